import Glibc
import Logging

/// Where `clusterd run` logs: the native journal or readable lines on stderr — never both.
public enum LogTarget: String, Sendable, CaseIterable {
    /// The journal when stderr is connected to it (`JOURNAL_STREAM` names fd 2's device and inode), else console.
    case auto
    /// Native journal entries through `sd_journal_sendv`, nothing on stderr (see `usable` for no journald).
    case journal
    /// Readable lines on stderr.
    case console

    /// `auto` resolved against the process's stderr and `JOURNAL_STREAM`.
    public func resolved(journalStream: String? = getenv("JOURNAL_STREAM").map { String(cString: $0) })
        -> LogTarget {
        guard self == .auto else { return self }
        return Self.standardErrorIsJournal(journalStream) ? .journal : .console
    }

    /// The socket `sd_journal_sendv` writes to. When it does not exist, libsystemd drops entries and reports
    /// success (no journald is running: a container, a login node without systemd).
    public static let journalSocket = "/run/systemd/journal/socket"

    /// `resolved()`, except that the journal falls back to the console when `journalSocket` does not exist, with
    /// a sentence saying so: asking for the journal must never mean losing every log line.
    public func usable(
        journalStream: String? = getenv("JOURNAL_STREAM").map { String(cString: $0) },
        journalSocket: String = LogTarget.journalSocket
    ) -> (target: LogTarget, fallback: String?) {
        let target = resolved(journalStream: journalStream)
        guard target == .journal, access(journalSocket, F_OK) != 0 else { return (target, nil) }
        return (.console, "no journald socket at \(journalSocket) (journald is not running here); logging to "
            + "stderr instead of the journal")
    }

    /// True when `journalStream` (`<device>:<inode>`, decimal, as systemd sets it) matches fd 2.
    public static func standardErrorIsJournal(_ journalStream: String?, descriptor: Int32 = STDERR_FILENO)
        -> Bool {
        guard let parts = journalStream?.split(separator: ":", omittingEmptySubsequences: false),
              parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// A logger writing to this target (`auto` is resolved first).
    public func makeLogger(label: String, level: Logger.Level) -> Logger {
        var logger: Logger
        switch resolved() {
        case .journal: logger = Logger(label: label) { JournalLogHandler(label: $0) }
        case .auto, .console: logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        }
        logger.logLevel = level
        return logger
    }
}
