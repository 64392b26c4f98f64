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
///
/// Hand-written byte scanners: no Foundation, one pass, Strings only for the kept attributes. The choices
/// (what is an error, how states and times map) are written down in docs/qstat-parsing.md.
public enum QstatParser {
    /// Parses `bytes` in `format`. Partial listings parse; malformed, truncated or binary input throws.
    ///
    /// Blank input is zero jobs for `pbs-text` and `torque-xml` (those print nothing when no job matches)
    /// but an error for `openpbs-json`, whose envelope is printed even when no job matches.
    public static func parse(_ bytes: [UInt8], format: QstatFormat) throws(QstatParseError) -> [PBSJob] {
        var list = JobList()
        try parse(bytes, format: format, into: &list)
        return list.jobs
    }

    /// Parses into `sink` job by job, so a caller that only streams jobs never holds them all.
    static func parse<Sink: JobSink>(
        _ bytes: [UInt8], format: QstatFormat, into sink: inout Sink
    ) throws(QstatParseError) {
        let failure: QstatParseError? = bytes.withUnsafeBufferPointer { buffer in
            do throws(QstatParseError) {
                try parse(buffer, format: format, into: &sink)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Parses bytes that live elsewhere (a mapped file) into `sink`.
    static func parse<Sink: JobSink>(
        _ buffer: UnsafeBufferPointer<UInt8>, format: QstatFormat, into sink: inout Sink
    ) throws(QstatParseError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else {
            // An empty Array may have no storage; any valid pointer will do for zero bytes.
            let placeholder: StaticString = " "
            try parse(ByteInput(base: placeholder.utf8Start, count: 0, format: format), into: &sink)
            return
        }
        try parse(ByteInput(base: base, count: buffer.count, format: format), into: &sink)
    }

    private static func parse<Sink: JobSink>(
        _ input: ByteInput, into sink: inout Sink
    ) throws(QstatParseError) {
        try input.checkText()
        switch input.format {
        case .openpbsJSON:
            var parser = OpenPBSJSONParser(input: input, sink: sink)
            sink = Sink()  // the parser holds the only reference: appends never copy
            defer { sink = parser.sink }
            try parser.parse()
        case .pbsText:
            var parser = PBSTextParser(input: input, sink: sink)
            sink = Sink()  // the parser holds the only reference: appends never copy
            defer { sink = parser.sink }
            try parser.parse()
        case .torqueXML:
            var parser = TorqueXMLParser(input: input, sink: sink)
            sink = Sink()  // the parser holds the only reference: appends never copy
            defer { sink = parser.sink }
            try parser.parse()
        }
    }

    /// Guesses the format from the first non-blank bytes; nil when it looks like none of them.
    ///
    /// `{` → `openpbs-json`, `<` → `torque-xml`, `Job Id:` → `pbs-text`.
    public static func sniff(_ bytes: [UInt8]) -> QstatFormat? {
        bytes.withUnsafeBufferPointer { sniff($0) }
    }

    /// `sniff` over bytes that live elsewhere.
    public static func sniff(_ bytes: UnsafeBufferPointer<UInt8>) -> QstatFormat? {
        var index = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        while index < bytes.count, ByteInput.isSpace(bytes[index]) { index += 1 }
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .openpbsJSON
        case UInt8(ascii: "<"): return .torqueXML
        default:
            return bytes[index...].starts(with: "Job Id:".utf8) ? .pbsText : nil
        }
    }
}
