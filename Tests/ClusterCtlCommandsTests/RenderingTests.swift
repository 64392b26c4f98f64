import ClusterAPI
@testable import ClusterCtlCommands
import ClusterCore
import Glibc
import Testing

/// What clusterctl shows for fixed answers of the daemon: the status table, connect, event lines.
@Suite struct RenderingTests {
    /// A cluster whose controller runs (being renewed), with one engine held failed after a crash loop.
    static let detail = """
        {"name": "big", "handoffFile": "/s/big/controller.json", "logDir": "/s/big/logs",
         "handoff": {"cluster": "big", "address": "10.0.0.5", "controller_job": "41.pbs", "generation": 3,
                     "engine_file": "/e.json", "client_file": "/c.json", "written_at": 1000, "stale": false},
         "status": {"cluster": "big", "stale": true, "staleSince": 1900, "lastQueryFailure": "qstat timed out",
           "roles": [
             {"role": "controller", "desired": "running", "wantedJobs": 1, "restarts": 2, "recentFailedStarts": 0,
              "jobs": [{"intent": "i1", "jobID": "41.pbs", "generation": 3, "state": "running", "host": "node7",
                        "walltimeLeft": 5400, "retiring": "renewed", "replacedBy": "i2", "adopted": false},
                       {"intent": "i2", "jobID": "42.pbs", "generation": 4, "state": "queued",
                        "adopted": false}]},
             {"role": "engine", "desired": "running", "wantedJobs": 2, "restarts": 5, "recentFailedStarts": 5,
              "hold": {"kind": "failed", "reason": "start limit", "since": 1500},
              "lastExit": {"jobID": "40.pbs", "exitStatus": 1, "at": 1400},
              "jobs": []},
             {"role": "notebook", "desired": "stopped", "wantedJobs": 0, "restarts": 0, "recentFailedStarts": 0,
              "backoffUntil": 2030, "jobs": []}
           ]}}
        """

    static func decoded() throws -> ClusterDetail {
        try APIJSON.decode(ClusterDetail.self, from: Array(detail.utf8))
    }

    @Test func statusTable() throws {
        let text = StatusTable.render(try Self.decoded(), now: 2000)
        let expected = """
            cluster big: controller 10.0.0.5 (job 41.pbs, generation 3)
              qstat failing for 1m40s: states are the last known ones (qstat timed out)
            ROLE        JOB ID  STATE    HOST   WALLTIME LEFT  RESTARTS  NOTE
            controller  41.pbs  running  node7  01:30:00       2         wants 1; retiring (renewed); replaced by i2
            controller  42.pbs  queued   -      -              2
            engine      -       failed   -      -              5         failed: start limit; last exit 1 (40.pbs)
            notebook    -       stopped  -      -              0         next try in 30s
            """
        #expect(text == expected, "\n\(text)")
    }

    @Test func aClockBehindTheDaemonsTimesShowsZeroNotNothing() throws {
        let text = StatusTable.render(try Self.decoded(), now: 1800)
        #expect(text.contains("qstat failing for 0s: states"), "\n\(text)")
    }

    @Test func tableColumnsAlign() {
        #expect(StatusTable.table([["A", "BB", "C"], ["long", "x", "last column is not padded"]])
            == "A     BB  C\nlong  x   last column is not padded")
        #expect(StatusTable.table([]) == "")
    }

    @Test func connectWithoutNotebook() throws {
        let view = ConnectView(try Self.decoded(), user: "ana", loginHost: "login1")
        #expect(view.text == """
            notebook   not running
            controller 10.0.0.5 (job 41.pbs, generation 3)
              python   import clusterd; rc = clusterd.connect("big")   # follows controller changes
              or       import ipyparallel; rc = ipyparallel.Client("/c.json")   # this controller only
            handoff    /s/big/controller.json
            """)
        #expect(view.answer.sshTunnel == nil)
        #expect(view.answer.clientFile == "/c.json")
        #expect(ConnectView.pythonString("a\"b\\c\n") == #""a\"b\\c\x0a""#)
    }

    @Test func connectWithNotebook() throws {
        var detail = try Self.decoded()
        detail.notebook = NotebookConnection(jobID: "43.pbs", host: "node9", address: "10.0.0.9", port: 8899,
                                             url: "http://10.0.0.9:8899/tree?token=abc")
        detail.handoff?.stale = true
        let view = ConnectView(detail, user: "ana", loginHost: "login1")
        #expect(view.text == """
            notebook   job 43.pbs on node9, 10.0.0.9:8899
              url      http://10.0.0.9:8899/tree?token=abc
              tunnel   run on your laptop: ssh -N -L 8899:10.0.0.9:8899 ana@login1
              then     open http://localhost:8899/tree?token=abc
            controller 10.0.0.5 (job 41.pbs, generation 3) STALE: being replaced
              python   import clusterd; rc = clusterd.connect("big")   # follows controller changes
              or       import ipyparallel; rc = ipyparallel.Client("/c.json")   # this controller only
            handoff    /s/big/controller.json
            """)
        #expect(view.answer.sshTunnel == "ssh -N -L 8899:10.0.0.9:8899 ana@login1")
        #expect(view.answer.localURL == "http://localhost:8899/tree?token=abc")
    }

    @Test func eventLine() throws {
        let event = ClusterEvent(kind: .died, cluster: "big", role: .engine, jobID: "40.pbs", exitStatus: 1,
                                 message: "engine 40.pbs died (exit 1)", time: Timestamp(0))
        let text = EventLine.text(event)
        // Local time: the date part depends on the zone, the rest does not.
        #expect(text.hasSuffix("  big/engine  died  40.pbs  engine 40.pbs died (exit 1)"), "\(text)")
        #expect(text.prefix(19).allSatisfy { $0.isNumber || "- :".contains($0) })
        let json = try EventLine.json(event)
        #expect(!json.contains("\n"))
        #expect(try APIJSON.decode(ClusterEvent.self, from: Array(json.utf8)) == event)
    }
}
