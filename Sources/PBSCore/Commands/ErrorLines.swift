/// Attributes the per-id error lines that qstat and qdel print to the ids that were asked.
///
/// A line belongs to an asked id when one of its words (trailing `:`/`,`/`.` stripped) is a job id that
/// matches the asked id by `PBSJobID`'s rule. Word order differs between tools (`qstat: Unknown Job Id 9.vm`,
/// `qstat: 1.vm Job has finished, ...`, `qdel: Job has finished 1.vm`, Slurm
/// `qdel: Kill job error on job id 12: ...`), so the position of the id is not relied upon.
struct ErrorLines {
    /// What a line says about the ids it names.
    enum Verdict: Equatable {
        case unknown
        case finished
        case other
    }

    /// One non-empty line with the asked ids it names.
    struct Line {
        var text: String
        var verdict: Verdict
        var askedIDs: [String]
    }

    var lines: [Line]

    init(_ text: String, asked: [String]) {
        lines = CommandText.lines(text).map { line in
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { word in
                String(word).trimmingSuffix(while: { $0 == ":" || $0 == "," || $0 == "." || $0 == ";" })
            }
            let printed = words.filter(PBSJobID.isValid)
            let matched = PBSJobID.match(asked: asked, printed: printed).keys.sorted()
            return Line(text: line, verdict: Self.verdict(of: line), askedIDs: matched)
        }
    }

    /// Asked ids named by a line with this verdict.
    func ids(_ verdict: Verdict) -> Set<String> {
        Set(lines.filter { $0.verdict == verdict }.flatMap(\.askedIDs))
    }

    /// The first line naming `id`, if any.
    func line(naming id: String) -> Line? {
        lines.first { $0.askedIDs.contains(id) }
    }

    /// Lines that name no asked id.
    var unattributed: [Line] { lines.filter(\.askedIDs.isEmpty) }

    static func verdict(of line: String) -> Verdict {
        let lower = line.lowercased()
        if lower.contains("unknown job id") { return .unknown }
        if lower.contains("job has finished") || lower.contains("invalid state for job - complete") {
            return .finished
        }
        return .other
    }
}

extension String {
    /// The string without trailing characters matching `predicate`.
    func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var result = self
        while let last = result.last, predicate(last) { result.removeLast() }
        return result
    }
}
