/// Where the scanners put each job as soon as it is complete.
protocol JobSink {
    init()
    mutating func accept(_ record: JobRecord, input: ByteInput) throws(QstatParseError)
}

/// Collects jobs for `QstatParser.parse`.
struct JobList: JobSink {
    var jobs: [PBSJob] = []

    mutating func accept(_ record: JobRecord, input: ByteInput) throws(QstatParseError) {
        jobs.append(try record.finish(input: input))
    }
}

/// Encodes each job as a JSON line at once, so `inspect-qstat` never holds the parsed jobs; the variables
/// go from the record's byte arena to the output without becoming Strings.
struct JSONLinesSink: JobSink {
    var output = OutputBuffer(capacity: 4096)
    /// Takes the finished lines whenever `flushThreshold` bytes are buffered (whole lines only), so a large
    /// listing's output is written piece by piece from a small, reused buffer.
    var flush: ((UnsafeBufferPointer<UInt8>) -> Void)?
    static let flushThreshold = 1 << 20

    mutating func accept(_ record: JobRecord, input: ByteInput) throws(QstatParseError) {
        let job = try record.finish(input: input, withVariables: false)
        job.write(to: output, variables: record.variables)
        if let flush, output.count >= Self.flushThreshold {
            output.withBytes(flush)
            output.removeAll()
        }
    }
}
