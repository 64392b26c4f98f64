import ClusterDaemon
import Glibc
import Testing

@Suite struct LogTargetTests {
    /// `device:inode` of an open descriptor, as systemd writes JOURNAL_STREAM.
    static func identity(_ descriptor: Int32) -> String {
        var status = stat()
        fstat(descriptor, &status)
        return "\(status.st_dev):\(status.st_ino)"
    }

    @Test func journalStreamMustNameTheDescriptor() throws {
        var ends: [Int32] = [0, 0], other: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0 && pipe(&other) == 0)
        defer { for descriptor in ends + other { close(descriptor) } }
        #expect(LogTarget.standardErrorIsJournal(Self.identity(ends[1]), descriptor: ends[1]))
        // Another file (a JOURNAL_STREAM inherited, then stderr redirected elsewhere) does not count.
        #expect(!LogTarget.standardErrorIsJournal(Self.identity(other[1]), descriptor: ends[1]))
        #expect(!LogTarget.standardErrorIsJournal(nil, descriptor: ends[1]))
        #expect(!LogTarget.standardErrorIsJournal("", descriptor: ends[1]))
        #expect(!LogTarget.standardErrorIsJournal("12", descriptor: ends[1]))
        #expect(!LogTarget.standardErrorIsJournal("a:b", descriptor: ends[1]))
        #expect(!LogTarget.standardErrorIsJournal(Self.identity(ends[1]) + ":1", descriptor: ends[1]))
    }

    @Test func explicitTargetsWin() {
        #expect(LogTarget.journal.resolved(journalStream: nil) == .journal)
        #expect(LogTarget.console.resolved(journalStream: Self.identity(STDERR_FILENO)) == .console)
    }

    @Test func journalWithoutJournaldFallsBackToTheConsoleAndSaysSo() throws {
        let missing = "/tmp/clusterd-no-journal-\(getpid())/socket"
        let (target, fallback) = LogTarget.journal.usable(journalStream: nil, journalSocket: missing)
        #expect(target == .console)
        #expect(fallback?.contains("no journald socket at \(missing)") == true)
        let auto = LogTarget.auto.usable(journalStream: Self.identity(STDERR_FILENO), journalSocket: missing)
        #expect(auto.target == .console && auto.fallback != nil)

        // With the socket there the journal is used, and the console choice never needs one.
        let present = "/tmp/clusterd-journal-\(getpid()).socket"
        let made = open(present, O_CREAT | O_WRONLY, 0o600)
        try #require(made >= 0)
        close(made)
        defer { unlink(present) }
        #expect(LogTarget.journal.usable(journalStream: nil, journalSocket: present) == (.journal, nil))
        #expect(LogTarget.console.usable(journalStream: nil, journalSocket: missing) == (.console, nil))
    }

    @Test func autoFollowsStandardError() {
        #expect(LogTarget.auto.resolved(journalStream: Self.identity(STDERR_FILENO)) == .journal)
        #expect(LogTarget.auto.resolved(journalStream: "0:0") == .console)
        #expect(LogTarget.auto.resolved(journalStream: nil) == .console)
    }
}
