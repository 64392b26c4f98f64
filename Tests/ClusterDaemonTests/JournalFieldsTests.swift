import ClusterDaemon
import Logging
import Testing

@Suite struct JournalFieldsTests {
    @Test(arguments: [
        ("clusterd_job_id", "CLUSTERD_JOB_ID"),
        ("clusterd_exit_status", "CLUSTERD_EXIT_STATUS"),
        ("job-id.x", "JOB_ID_X"),
        ("__private", "PRIVATE"),
        ("_x", "X"),
        ("2nd", "CLUSTERD_2ND"),
        ("message", "CLUSTERD_MESSAGE"),
        ("priority", "CLUSTERD_PRIORITY"),
        ("Ümlaut", "MLAUT"),
    ])
    func fieldNamesAreUppercaseAndSafe(key: String, expected: String) {
        // A non-ASCII letter becomes "_"; leading underscores are stripped.
        #expect(JournalFields.fieldName(key) == expected)
    }

    @Test func unusableKeysAreDropped() {
        #expect(JournalFields.fieldName("") == nil)
        #expect(JournalFields.fieldName("___") == nil)
        #expect(JournalFields.fieldName("-.-") == nil)
        #expect(JournalFields.fieldName(String(repeating: "a", count: 100))?.count == 64)
    }

    @Test func everyNameIsValidForJournald() {
        for key in ["a b", "x/y", "ÄÖÜ", "_1", "trailing_", "ok_Key9"] {
            guard let name = JournalFields.fieldName(key) else { continue }
            #expect(name.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }, "\(name)")
            #expect(name.first != "_" && !(name.first!.isNumber), "\(name)")
        }
    }

    @Test func prioritiesFollowSyslog() {
        let expected: [(Logger.Level, Int)] = [
            (.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
        ]
        for (level, priority) in expected { #expect(JournalFields.priority(level) == priority) }
    }

    @Test func entryHoldsMessageCodeLocationAndMetadata() {
        let fields = JournalFields.entry(
            level: .warning, message: "engine 7.pbs died\nsecond line",
            metadata: ["clusterd_cluster": "default", "clusterd_job_id": "7.pbs", "message": "shadow"],
            file: "ClusterDaemon/EventLog.swift", function: "record(_:)", line: 42)
        #expect(fields == [
            "MESSAGE=engine 7.pbs died\nsecond line",
            "PRIORITY=4",
            "SYSLOG_IDENTIFIER=clusterd",
            "CODE_FILE=ClusterDaemon/EventLog.swift",
            "CODE_LINE=42",
            "CODE_FUNC=record(_:)",
            "CLUSTERD_CLUSTER=default",
            "CLUSTERD_JOB_ID=7.pbs",
            "CLUSTERD_MESSAGE=shadow",
        ])
    }

    @Test func collidingKeysKeepTheFirstInSortedOrder() {
        let fields = JournalFields.entry(level: .info, message: "m", metadata: ["a-b": "1", "a.b": "2"],
                                         file: "f", function: "g", line: 1)
        #expect(fields.filter { $0.hasPrefix("A_B=") } == ["A_B=1"])
    }
}
