/// Renders jobs the way OpenPBS 23.06 `qstat` and `qstat -f` print them.
public enum QstatTextFormatter {
    /// The column where qstat wraps long values (`prt_attr` in qstat.c).
    static let lineLimit = 78

    /// `qstat -f` text: `Job Id:` blocks, 4-space attributes, long values wrapped with TAB continuations, and a
    /// blank line after each job.
    public static func full(_ jobs: [JobStatus]) -> String {
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
    public static func attributeLine(_ attribute: JobAttribute) -> String {
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
    public static func table(_ jobs: [JobStatus]) -> String {
        guard !jobs.isEmpty else { return "" }
        var out = "Job id            Name             User              Time Use S Queue\n"
        out += "----------------  ---------------- ----------------  -------- - -----\n"
        for job in jobs {
            out += tableRow(job)
        }
        return out
    }

    static func tableRow(_ job: JobStatus) -> String {
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

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}
