/// `Resource_List` as the server derives it from `-l` (select chunks summed into ncpus/nodect/mem/mpiprocs).
struct ResourceRequest {
    var resources: [NamedValue]
    var chunks: [ResourceChunk]
    var walltime: Int?

    /// The resources an OpenPBS 23.06 server knows without a site `resourcedef`
    /// (src/lib/Libattr/master_resc_def_all.xml); anything else is PBSE_UNKRESC unless configured.
    static let builtIn: Set<String> = [
        "accelerator", "accelerator_group", "accelerator_memory", "accelerator_model", "aoe", "arch", "cpupercent",
        "cput", "energy", "eoe", "exec_vnode", "file", "hbmem", "host", "hpm", "max_walltime", "mem",
        "min_walltime", "mpiprocs", "naccelerators", "nchunk", "ncpus", "nice", "nodect", "nodemask", "nodes",
        "ompthreads", "partition", "pcap_accelerator", "pcap_node", "pcput", "pgov", "place", "pmem",
        "preempt_targets", "pstate", "pvmem", "resc", "select", "site", "soft_walltime", "software", "ssinodes",
        "start_time", "vmem", "vnode", "vntype", "walltime",
    ]

    /// How the client library checks a value before anything is sent (`verify_datatype_*` in
    /// src/lib/Libecl): time, non-negative integer or size.
    private enum ValueType { case time, count, size }

    private static let valueTypes: [String: ValueType] = [
        "walltime": .time, "cput": .time, "pcput": .time, "soft_walltime": .time, "min_walltime": .time,
        "max_walltime": .time, "ncpus": .count, "mpiprocs": .count, "ompthreads": .count, "nodect": .count,
        "nchunk": .count, "naccelerators": .count, "mem": .size, "vmem": .size, "pmem": .size, "pvmem": .size,
        "file": .size, "hbmem": .size, "accelerator_memory": .size,
    ]

    private static func isValid(_ value: String, _ type: ValueType) -> Bool {
        switch type {
        case .time: PBSTime.decodeTime(value) != nil
        case .count: Int(value.hasPrefix("+") ? String(value.dropFirst()) : value).map { $0 >= 0 } ?? false
        case .size: Memory.kilobytes(value) != nil
        }
    }

    /// The checks qsub's client library makes before it contacts the server (`pbs_verify_attributes` in
    /// `pbs_submit`): a bad value is PBSE_BADATVAL, exit 166, and no job id is used. A select chunk names
    /// the offending resource `select.<name>` (the library reuses the chunk's attribute name), a select that
    /// does not parse `Resource_List.select`.
    static func verify(_ requested: [NamedValue]) throws(QsubError) {
        for item in requested {
            let name = item.name.lowercased()
            if name == "select" {
                try verifySelect(item.value)
            } else if let type = valueTypes[name], !item.value.isEmpty, !isValid(item.value, type) {
                throw illegalValue("Resource_List.\(item.name)")
            }
        }
    }

    private static func verifySelect(_ select: String) throws(QsubError) {
        guard !select.isEmpty else { throw illegalValue("Resource_List.select") }
        for chunkText in select.split(separator: "+", omittingEmptySubsequences: false) {
            let parts = chunkText.split(separator: ":", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                if index == 0, let count = Int(part) {
                    guard count > 0 else { throw illegalValue("Resource_List.select") }
                    continue
                }
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                    throw illegalValue("Resource_List.select")
                }
                if let type = valueTypes[pair[0].lowercased()], !isValid(pair[1], type) {
                    throw illegalValue("select.\(pair[0])")
                }
            }
        }
    }

    /// The server's check of `-l` names (after it has given the submission a job id): a top-level resource it
    /// does not know is rejected while the attributes are decoded (`reply_badattr` in req_quejob.c appends the
    /// attribute): `Unknown resource Resource_List.foo`, PBSE_UNKRESC, exit 187.
    static func unknownTopLevelResource(in requested: [NamedValue], custom: [String]) -> QsubError? {
        let known = builtIn.union(custom.map { $0.lowercased() })
        for item in requested where !known.contains(item.name.lowercased()) {
            return QsubError(message: "qsub: Unknown resource Resource_List.\(item.name)\n", exitCode: 187)
        }
        return nil
    }

    /// The server's check of select's names, made later, when the scheduler's select is built (`do_schedselect`
    /// in vnparse.c, then `req_reject`, whose message names the resource): `Unknown resource: foo`, exit 187.
    static func unknownSelectResource(in requested: [NamedValue], custom: [String]) -> QsubError? {
        let known = builtIn.union(custom.map { $0.lowercased() })
        guard let select = requested.last(where: { $0.name.lowercased() == "select" })?.value else { return nil }
        for chunkText in select.split(separator: "+") {
            for part in chunkText.split(separator: ":") where part.contains("=") {
                let name = String(part.prefix { $0 != "=" })
                if !known.contains(name.lowercased()) {
                    return QsubError(message: "qsub: Unknown resource: \(name)\n", exitCode: 187)
                }
            }
        }
        return nil
    }

    private static func illegalValue(_ what: String) -> QsubError {
        QsubError(message: "qsub: Illegal attribute or resource value \(what)\n", exitCode: 166)
    }

    static func resolve(_ requested: [NamedValue]) throws(QsubError) -> ResourceRequest {
        var given: [String: String] = [:]
        for item in requested { given[item.name] = item.value }
        var chunks: [ResourceChunk] = []
        var select: String
        var place: String
        if let nodes = given.removeValue(forKey: "nodes") {
            // Torque syntax, converted the way PBS does: nodes=N:ppn=M → select=N:ncpus=M:mpiprocs=M.
            let parts = nodes.split(separator: ":")
            let count = parts.first.flatMap { Int($0) } ?? 1
            let ppn = parts.compactMap { $0.hasPrefix("ppn=") ? Int($0.dropFirst(4)) : nil }.first ?? 1
            select = "\(count):ncpus=\(ppn):mpiprocs=\(ppn)"
            place = "scatter"
        } else if let explicit = given["select"] {
            select = explicit
            place = "free"
        } else {
            let ncpus = given["ncpus"] ?? "1"
            select = "1:ncpus=\(ncpus)" + (given["mem"].map { ":mem=\($0)" } ?? "")
            place = "pack"
        }
        given.removeValue(forKey: "select")
        given.removeValue(forKey: "ncpus")
        for chunkText in select.split(separator: "+") {
            var chunk = ResourceChunk(count: 1, ncpus: 1, mpiprocs: nil, mem: nil)
            for (index, part) in chunkText.split(separator: ":").enumerated() {
                if index == 0, let count = Int(part) {
                    chunk.count = count
                    continue
                }
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard pair.count == 2 else { throw illegalValue("Resource_List.select") }
                switch pair[0] {
                case "ncpus":
                    guard let value = Int(pair[1]), value >= 0 else { throw illegalValue("Resource_List.select") }
                    chunk.ncpus = value
                case "mpiprocs":
                    guard let value = Int(pair[1]), value >= 0 else { throw illegalValue("Resource_List.select") }
                    chunk.mpiprocs = value
                case "mem":
                    guard Memory.kilobytes(pair[1]) != nil else { throw illegalValue("Resource_List.select") }
                    chunk.mem = pair[1]
                default: break
                }
            }
            guard chunk.count > 0 else { throw illegalValue("Resource_List.select") }
            chunks.append(chunk)
        }
        if let explicitPlace = given.removeValue(forKey: "place") { place = explicitPlace }
        var walltime: Int?
        if let text = given.removeValue(forKey: "walltime"), !text.isEmpty {
            guard let seconds = PBSTime.decodeTime(text) else { throw illegalValue("Resource_List.walltime") }
            walltime = seconds
        }
        given.removeValue(forKey: "mem")
        given.removeValue(forKey: "mpiprocs")
        given.removeValue(forKey: "nodect")

        var list: [NamedValue] = given.map { NamedValue($0.key, $0.value) }
        let mems = chunks.compactMap { chunk in chunk.mem.map { (chunk.count, $0) } }
        if !mems.isEmpty { list.append(NamedValue("mem", Memory.sum(mems))) }
        if chunks.contains(where: { $0.mpiprocs != nil }) {
            list.append(NamedValue("mpiprocs", "\(chunks.reduce(0) { $0 + $1.count * ($1.mpiprocs ?? 1) })"))
        }
        list.append(NamedValue("ncpus", "\(chunks.reduce(0) { $0 + $1.count * $1.ncpus })"))
        list.append(NamedValue("nodect", "\(chunks.reduce(0) { $0 + $1.count })"))
        list.append(NamedValue("place", place))
        list.append(NamedValue("select", select))
        if let walltime { list.append(NamedValue("walltime", PBSTime.duration(walltime))) }
        list.sort { $0.name < $1.name }
        return ResourceRequest(resources: list, chunks: chunks, walltime: walltime)
    }

}

/// PBS memory sizes (`512mb`, `2gb`, `100kb`, `1024`).
enum Memory {
    static let units: [(String, Int)] = [("tb", 1 << 30), ("gb", 1 << 20), ("mb", 1 << 10), ("kb", 1), ("b", 0)]

    static func kilobytes(_ text: String) -> Int? {
        let lower = text.lowercased()
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            guard let number = Int(lower.dropLast(suffix.count)), number >= 0 else { return nil }
            return factor == 0 ? (number + 1023) / 1024 : number * factor
        }
        return Int(lower).map { ($0 + 1023) / 1024 }
    }

    /// Sum of `count × size`, in the chunks' common unit, or in kb when they differ.
    static func sum(_ items: [(Int, String)]) -> String {
        let suffixes = Set(items.map { item in units.first { item.1.lowercased().hasSuffix($0.0) }?.0 ?? "" })
        if suffixes.count == 1, let suffix = suffixes.first, !suffix.isEmpty {
            let total = items.reduce(0) { $0 + $1.0 * (Int($1.1.lowercased().dropLast(suffix.count)) ?? 0) }
            return "\(total)\(suffix)"
        }
        return "\(items.reduce(0) { $0 + $1.0 * (kilobytes($1.1) ?? 0) })kb"
    }
}
