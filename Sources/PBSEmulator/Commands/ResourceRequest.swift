/// `Resource_List` as the server derives it from `-l` (select chunks summed into ncpus/nodect/mem/mpiprocs).
struct ResourceRequest {
    var resources: [NamedValue]
    var chunks: [ResourceChunk]
    var walltime: Int?

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
                guard pair.count == 2 else { throw invalid("select") }
                switch pair[0] {
                case "ncpus":
                    guard let value = Int(pair[1]), value >= 0 else { throw invalid("select") }
                    chunk.ncpus = value
                case "mpiprocs":
                    guard let value = Int(pair[1]), value >= 0 else { throw invalid("select") }
                    chunk.mpiprocs = value
                case "mem":
                    guard Memory.kilobytes(pair[1]) != nil else { throw invalid("select") }
                    chunk.mem = pair[1]
                default: break
                }
            }
            guard chunk.count > 0 else { throw invalid("select") }
            chunks.append(chunk)
        }
        if let explicitPlace = given.removeValue(forKey: "place") { place = explicitPlace }
        var walltime: Int?
        if let text = given.removeValue(forKey: "walltime") {
            guard let seconds = PBSTime.parseDuration(text) else { throw invalid("walltime") }
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

    private static func invalid(_ name: String) -> QsubError {
        QsubError(message: "qsub: Illegal attribute or resource value Resource_List.\(name)\n", exitCode: 1)
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
