import CSystemd
import Glibc
import Logging

/// A swift-log handler that writes native journal entries with `sd_journal_sendv`: MESSAGE, PRIORITY,
/// SYSLOG_IDENTIFIER=clusterd, CODE_FILE/CODE_LINE/CODE_FUNC, and every metadata key as an uppercase field
/// (`clusterd_job_id` → `CLUSTERD_JOB_ID`), so `journalctl CLUSTERD_JOB_ID=123.pbs` finds the entries.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// A handler; `label` is kept as the `CLUSTERD_LOGGER` field when it is not "clusterd".
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.metadataProvider = metadataProvider
        if label != JournalFields.identifier { metadata["clusterd_logger"] = .string(label) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        if let error = event.error { merged["clusterd_error"] = .string("\(error)") }
        Self.send(JournalFields.entry(level: event.level, message: "\(event.message)", metadata: merged,
                                      file: event.file, function: event.function, line: event.line))
    }

    /// Sends one entry; returns sd_journal_sendv's result (0 even when no journald listens).
    @discardableResult
    public static func send(_ fields: [String]) -> Int32 {
        let buffers = fields.map { field -> UnsafeMutableRawBufferPointer in
            let bytes = Array(field.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        }
        defer { for buffer in buffers { buffer.deallocate() } }
        var vectors = buffers.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
        return vectors.withUnsafeMutableBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
    }
}
