/// The qstat output formats clusterd parses.
public enum QstatFormat: String, Sendable, CaseIterable {
    /// OpenPBS / PBS Pro `qstat -f -F json` (the envelope with `Jobs`).
    case openpbsJSON = "openpbs-json"
    /// `qstat -f` text: OpenPBS/PBS Pro (`Job Id: ` + 4-space attributes, TAB or 8-space continuation)
    /// and Slurm's wrapper (`Job Id:<TAB>` + TAB-indented attributes).
    case pbsText = "pbs-text"
    /// Torque `qstat -x` XML.
    case torqueXML = "torque-xml"
}

/// A qstat output that could not be parsed: which format, where, and a short excerpt.
public struct QstatParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var format: QstatFormat
    /// Byte offset of the problem in the input.
    public var offset: Int
    /// 1-based line of the problem.
    public var line: Int
    public var reason: String
    /// A short, printable excerpt around the offset.
    public var excerpt: String

    public init(format: QstatFormat, offset: Int, line: Int, reason: String, excerpt: String) {
        self.format = format
        self.offset = offset
        self.line = line
        self.reason = reason
        self.excerpt = excerpt
    }

    public var description: String {
        "\(format.rawValue): \(reason) at line \(line) (byte \(offset)): \(excerpt)"
    }
}

/// Parses saved or live qstat output into normalized jobs.
public enum QstatParser {
    /// Parses `bytes` in `format`. Partial listings parse; malformed, truncated or binary input throws.
    public static func parse(_ bytes: [UInt8], format: QstatFormat) throws(QstatParseError) -> [PBSJob] {
        // Replaced by the PBS layer issue.
        throw QstatParseError(format: format, offset: 0, line: 1, reason: "parser not written yet", excerpt: "")
    }

    /// Guesses the format from the first non-blank bytes; nil when it looks like none of them.
    public static func sniff(_ bytes: [UInt8]) -> QstatFormat? {
        nil
    }
}
