import ClusterCore
import ClusterDaemon
import Foundation
import Testing

@Suite struct StatusLineTests {
    /// A status as the API would return it (ClusterStatus is Codable; its initialiser is internal).
    static func status(_ json: String) throws -> ClusterStatus {
        try JSONDecoder().decode(ClusterStatus.self, from: Data(json.utf8))
    }

    static func job(_ id: String?, _ state: String, retiring: String? = nil) -> String {
        let jobID = id.map { "\"\($0)\"" } ?? "null"
        let retire = retiring.map { ", \"retiring\": \"\($0)\"" } ?? ""
        return """
            {"intent": "i-\(id ?? "x")", "jobID": \(jobID), "generation": 1, "state": "\(state)", \
            "adopted": false\(retire)}
            """
    }

    static func role(_ role: String, wanted: Int, jobs: [String], desired: String = "running",
                     extra: String = "") -> String {
        """
        {"role": "\(role)", "desired": "\(desired)", "wantedJobs": \(wanted), "restarts": 0, \
        "recentFailedStarts": 0, "jobs": [\(jobs.joined(separator: ","))]\(extra)}
        """
    }

    @Test func runningCluster() throws {
        let status = try Self.status("""
            {"cluster": "default", "stale": false, "roles": [
              \(Self.role("controller", wanted: 1, jobs: [Self.job("123.pbs", "running"),
                                                         Self.job("120.pbs", "running", retiring: "renewed")])),
              \(Self.role("engine", wanted: 4, jobs: ["123", "124", "125"].map { Self.job($0, "running") }
                         + [Self.job("126.pbs", "queued")]))]}
            """)
        #expect(StatusLine.summary([status], now: Timestamp(100))
                == "default: controller running 123.pbs, 3/4 engines running, qstat ok")
    }

    @Test func failingQstatHeldAndBackingOffRoles() throws {
        let stale = try Self.status("""
            {"cluster": "a", "stale": true, "staleSince": 10, "roles": [
              \(Self.role("controller", wanted: 1, jobs: [], extra: ", \"backoffUntil\": 104.2")),
              \(Self.role("engine", wanted: 2, jobs: [], extra: """
                , "hold": {"kind": "failed", "reason": "start limit", "since": 50}
                """)),
              \(Self.role("notebook", wanted: 0, jobs: [Self.job(nil, "submitting")], desired: "stopped"))]}
            """)
        let stopped = try Self.status("""
            {"cluster": "b", "stale": false, "roles": [
              \(Self.role("controller", wanted: 0, jobs: [], desired: "stopped")),
              \(Self.role("engine", wanted: 0, jobs: [], desired: "stopped"))]}
            """)
        #expect(StatusLine.summary([stale, stopped], now: Timestamp(100)) ==
            "a: controller restarting in 5s, 0/2 engines running (failed), notebook submitting, "
            + "qstat failing for 1m30s; "
            + "b: controller stopped, 0/0 engines running (stopped), qstat ok")
        #expect(StatusLine.summary([], now: Timestamp(0)) == "no clusters configured")
    }

    @Test func registeredEnginesAndRefusedSubmissions() throws {
        let status = try Self.status("""
            {"cluster": "c", "stale": false, "engines": {"controllerJob": "7.pbs", "registered": 6, "expected": 8,
              "reportedAt": 95, "movingTo": "9.pbs"},
             "roles": [
              \(Self.role("controller", wanted: 1, jobs: [Self.job("7.pbs", "running")])),
              \(Self.role("engine", wanted: 2, jobs: [], extra: """
                , "backoffUntil": 130, "lastSubmitError": {"message": "qsub: Unknown queue\\nmore", \
                "permanent": true, "at": 90}
                """))]}
            """)
        #expect(StatusLine.summary([status], now: Timestamp(100)) ==
            "c: controller running 7.pbs, 0/2 engines running (restarting in 30s) (qsub refused: qsub: Unknown queue), "
            + "6/8 registered, moving to 9.pbs, qstat ok")
    }
}
