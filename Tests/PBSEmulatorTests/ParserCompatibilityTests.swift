import Foundation
import PBSCore
import Testing

/// clusterd's own qstat parsers (PBSCore) must accept everything pbs-emu prints, in every state, and read the
/// right states and exit statuses from it.
@Suite struct ParserCompatibilityTests {
    struct Expected {
        var id: String
        var state: PBSJobState
        var rawState: String
        var substate: Int
        var exitStatus: Int?
    }

    @Test func parsersReadEveryStateFromTextAndJSON() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let running = try sandbox.submit("-N", "running", stdin: "sleep 30\n")
        let held = try sandbox.submit("-h", stdin: "sleep 30\n")
        let waiting = try sandbox.submit("-W", "depend=afterok:\(held)", "-v", "ZERO=007", stdin: "true\n")
        let ok = try sandbox.submit(stdin: "exit 0\n")
        let failed = try sandbox.submit(stdin: "exit 3\n")
        let walltime = try sandbox.submit("-l", "walltime=1", stdin: "sleep 30\n")
        let deleted = try sandbox.submit(stdin: "sleep 30\n")
        let deletedQueued = try sandbox.submit("-h", stdin: "true\n")
        try sandbox.waitForState(running, "R")
        try sandbox.waitForState(deleted, "R")
        sandbox.run("qdel", deleted, deletedQueued)
        for id in [ok, failed, deleted] { try sandbox.waitForState(id, "F") }
        try sandbox.waitForState(walltime, "F", timeout: 6)
        sandbox.run("config", "queue-wait", "60s")
        let queued = try sandbox.submit(stdin: "true\n")

        let expected = [
            Expected(id: running, state: .running, rawState: "R", substate: 42, exitStatus: nil),
            Expected(id: held, state: .held, rawState: "H", substate: 20, exitStatus: nil),
            Expected(id: waiting, state: .waiting, rawState: "H", substate: 22, exitStatus: nil),
            Expected(id: ok, state: .finished, rawState: "F", substate: 92, exitStatus: 0),
            Expected(id: failed, state: .finished, rawState: "F", substate: 93, exitStatus: 3),
            Expected(id: walltime, state: .finished, rawState: "F", substate: 93, exitStatus: -29),
            Expected(id: deleted, state: .finished, rawState: "F", substate: 91, exitStatus: 271),
            Expected(id: deletedQueued, state: .finished, rawState: "F", substate: 91, exitStatus: nil),
            Expected(id: queued, state: .queued, rawState: "Q", substate: 10, exitStatus: nil),
        ]
        let text = sandbox.run("qstat", "-x", "-f")
        let json = sandbox.run("qstat", "-x", "-f", "-F", "json")
        #expect(text.exitCode == 0 && json.exitCode == 0)
        let fromText = try QstatParser.parse(Array(text.stdout.utf8), format: .pbsText)
        let fromJSON = try QstatParser.parse(Array(json.stdout.utf8), format: .openpbsJSON)
        for jobs in [fromText, fromJSON] {
            #expect(jobs.map(\.id) == expected.map(\.id))
            for (job, want) in zip(jobs, expected) {
                #expect(job.state == want.state, "\(want.id)")
                #expect(job.rawState == want.rawState, "\(want.id)")
                #expect(job.substate == want.substate, "\(want.id)")
                #expect(job.exitStatus == want.exitStatus, "\(want.id)")
            }
            let waitingJob = try #require(jobs.first { $0.id == waiting })
            #expect(waitingJob.variables["ZERO"] != nil)
            let runningJob = try #require(jobs.first { $0.id == running })
            #expect(runningJob.name == "running")
            #expect(runningJob.execHosts == [EmulatorHost.name])
        }
        for id in expected.map(\.id) {
            let single = sandbox.run("qstat", "-x", "-f", "-F", "json", id)
            #expect(try QstatParser.parse(Array(single.stdout.utf8), format: .openpbsJSON).map(\.id) == [id])
        }
        let empty = sandbox.run("qstat", "-f", "-F", "json", "99999")
        #expect(try QstatParser.parse(Array(empty.stdout.utf8), format: .openpbsJSON).isEmpty)
    }

    @Test func parsersRejectGarbageAndTruncatedOutput() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        _ = try sandbox.submit("-h", stdin: "true\n")
        sandbox.run("fault", "truncate", "on")
        let cutJSON = sandbox.run("qstat", "-f", "-F", "json")
        #expect(throws: QstatParseError.self) {
            try QstatParser.parse(Array(cutJSON.stdout.utf8), format: .openpbsJSON)
        }
        sandbox.run("fault", "truncate", "off")
        sandbox.run("fault", "garbage", "on")
        let garbage = sandbox.run("qstat", "-f", "-F", "json")
        #expect(throws: QstatParseError.self) {
            try QstatParser.parse(Array(garbage.stdout.utf8), format: .openpbsJSON)
        }
    }
}

/// The host name the emulator runs jobs on.
enum EmulatorHost {
    static var name: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(String(decoding: bytes, as: UTF8.self).split(separator: ".").first ?? "")
    }
}
