/// Renders jobs the way OpenPBS 23.06 `qstat` and `qstat -f` print them.
public enum QstatTextFormatter {
    /// The column where qstat wraps long values (`prt_attr` in qstat.c).
    static let lineLimit = 78

    /// `qstat -f` text: `Job Id:` blocks, 4-space attributes, long values wrapped with TAB continuations, and a
    /// blank line after each job.
    public static func full(_ jobs: [QstatJob]) -> String {
        var out = ""
        for job in jobs {
            out += "Job Id: \(job.id)\n"
            for attribute in job.attributes {
                out += attributeLine(attribute)
                out += "\n"
            }
            out += "\n"
        }
        return out
    }

    /// One `    key = value` line (without the final newline), wrapped like qstat's `prt_attr`: the value is
    /// split at commas; a piece that does not fit starts a new TAB-indented line, and a piece longer than a
    /// line is cut wherever the column limit falls.
    public static func attributeLine(_ attribute: QstatAttribute) -> String {
        var out = "    \(attribute.name)"
        var column = attribute.name.count + 7
        if let resource = attribute.resource {
            column += resource.count + 1
            out += ".\(resource)"
        }
        out += " = "
        // strtok skips empty pieces, so ",," and leading/trailing commas vanish as in the real qstat.
        let pieces = attribute.value.split(separator: ",", omittingEmptySubsequences: true)
        var first = true
        for (index, piece) in pieces.enumerated() {
            if piece.count + column < lineLimit {
                out += piece
                column += piece.count
            } else {
                if !first {
                    out += "\n\t"
                    column = 9
                }
                for character in piece {
                    out.append(character)
                    column += 1
                    if column > lineLimit {
                        column = 8
                        out += "\n\t"
                    }
                }
            }
            if index + 1 < pieces.count {
                first = false
                out += ","
            }
        }
        return out
    }

    /// The plain `qstat` table: header, then one row per job (`Time Use` is `resources_used.cput` or `0`).
    public static func table(_ jobs: [QstatJob]) -> String {
        guard !jobs.isEmpty else { return "" }
        var out = "Job id            Name             User              Time Use S Queue\n"
        out += "----------------  ---------------- ----------------  -------- - -----\n"
        for job in jobs {
            out += tableRow(job)
        }
        return out
    }

    static func tableRow(_ job: QstatJob) -> String {
        // The id keeps its first server-name component only, at most 17 characters.
        let idParts = job.id.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        var id = idParts.prefix(2).joined(separator: ".")
        id = String(id.prefix(17))
        var name = job.value("Job_Name") ?? ""
        if name.count >= 16 { name = String(name.prefix(15)) }
        var owner = String((job.value("Job_Owner") ?? "").split(separator: "@").first ?? "")
        owner = String(owner.prefix(16))
        let timeUsed = String((job.value("resources_used.cput") ?? "0").prefix(8))
        let state = String((job.value("job_state") ?? "").prefix(1))
        let queue = String((job.value("queue") ?? "").prefix(16))
        return pad(id, 17) + " " + pad(name, 16) + " " + pad(owner, 16) + "  " + padLeft(timeUsed, 8) + " "
            + padLeft(state, 1) + " " + pad(queue, 16) + "\n"
    }

    /// The alternate table of `qstat -a`, `-u user` and `-H` (`altdsp_statjob` in qstat.c, 80 columns): a
    /// blank line, `<server>: `, the two header lines and the dashes, then one row per job. Values too long for
    /// their column end in `*`; missing ones are ` -- ` cut to the column.
    public static func alternate(_ jobs: [QstatJob], server: String) -> String {
        guard !jobs.isEmpty else { return "" }
        var out = "\n\(server): \n"
        out += String(repeating: " ", count: 60) + "Req'd  Req'd   Elap\n"
        out += "Job ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time\n"
        out += "--------------- -------- -------- ---------- ------ --- --- ------ ----- - -----\n"
        for job in jobs {
            out += alternateRow(job)
        }
        return out
    }

    static func alternateRow(_ job: QstatJob) -> String {
        let blank = " -- "
        func value(_ name: String, width: Int) -> String? {
            job.value(name).map { truncated($0, width) }
        }
        let owner = String((job.value("Job_Owner") ?? "").prefix { $0 != "@" })
        let ncpus = job.value("Resource_List.ncpus").flatMap { $0 == "0" ? nil : truncated($0, 3) }
        let usesCput = job.value("Resource_List.cput") != nil
        let requested = job.value(usesCput ? "Resource_List.cput" : "Resource_List.walltime") ?? blank
        let elapsed = job.value(usesCput ? "resources_used.cput" : "resources_used.walltime") ?? blank
        var row = column(truncated(job.id, 15), 15) + " "
        row += column(job.value("Job_Owner") == nil ? blank : truncated(owner, 8), 8) + " "
        row += column(value("queue", width: 8) ?? blank, 8) + " "
        row += column(value("Job_Name", width: 10) ?? blank, 10) + " "
        row += column(value("session_id", width: 6) ?? blank, 6, right: true) + " "
        row += column(value("Resource_List.nodect", width: 3) ?? blank, 3, right: true) + " "
        row += column(ncpus ?? blank, 3, right: true) + " "
        row += column(job.value("Resource_List.mem").map(alternateSize) ?? blank, 6, right: true) + " "
        row += column(requested, 5, right: true) + " "
        row += column(job.value("job_state") ?? blank, 1, right: true) + " "
        row += column(elapsed, 5, right: true)
        return row + "\n"
    }

    /// qstat.c's `trunc_value`: a value longer than `width` keeps `width - 1` characters and a `*`.
    static func truncated(_ text: String, _ width: Int) -> String {
        text.count > width ? String(text.prefix(width - 1)) + "*" : text
    }

    /// printf's `%-W.Ws` (or `%W.Ws` when `right`): cut to `width`, padded to `width`.
    static func column(_ text: String, _ width: Int, right: Bool = false) -> String {
        let cut = String(text.prefix(width))
        return right ? padLeft(cut, width) : pad(cut, width)
    }

    /// qstat.c's `cnv_size` without -M/-G: the value in its own unit, moved up a unit while above 9999
    /// (`1048576kb` → `1024mb`); a size without a unit gets a space (`100 b`).
    static func alternateSize(_ value: String) -> String {
        let digits = value.prefix { $0.isASCII && $0.isNumber }
        var number = UInt64(digits) ?? 0
        let rest = Array(value.dropFirst(digits.count))
        var magnitude = ["k": 1, "m": 2, "g": 3, "t": 4][rest.first.map(String.init) ?? ""] ?? 0
        var unit: Character = "b"
        if rest.first == "w" || (rest.count > 1 && rest[1] == "w") {
            // Words: to bytes and back, rounded up, as cnv_size does.
            number = ((number << 3) + 7) >> 3
            unit = "w"
        }
        while number > 9999 {
            number = (number + 1023) >> 10
            magnitude += 1
        }
        let letters = Array(" kmgtp?")
        return "\(number)\(letters[min(magnitude, letters.count - 1)])\(unit)"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
