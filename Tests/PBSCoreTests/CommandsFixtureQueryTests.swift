import PBSCore
import Testing

/// Real qstat captures through `QstatCommand.interpret`, i.e. through the real parsers. Enabled once the
/// `parsers` branch is merged (the placeholder parser throws for everything).
@Suite("qstat interpretation of real captures", .enabled(if: parsersAvailable, "qstat parsers not merged yet"))
struct CommandsFixtureQueryTests {
    /// `qstat -f -x 1.vm 99999.vm 4.vm` on OpenPBS 23.06: two jobs printed, one unknown on stderr, exit 153.
    @Test func partialFailureKeepsThePrintedJobs() throws {
        let capture = try CapturedRun(fixture: "openpbs-23.06-local/partial_fail_f_x.txt")
        #expect(capture.exitCode == 153)
        let query = QstatCommand.plan(ids: ["1.vm", "99999.vm", "4.vm"], dialect: .openpbs)
        #expect(query.plan?.arguments == Array(capture.command.split(separator: " ").dropFirst().map(String.init)))
        let answer = try #require(QstatCommand.interpret(capture.outcome, for: query).answer)
        #expect(answer.count == 3)
        #expect(answer["99999.vm"] == .unknown)
        let finished = try #require(answer["1.vm"]?.job)
        #expect(finished.state == .finished)
        #expect(finished.exitStatus == 0)
        let running = try #require(answer["4.vm"]?.job)
        #expect(running.state == .running)
        #expect(running.variables["FOO"] == "bar")
    }

    @Test func shortIdsMatchTheFullIdsPrinted() throws {
        let capture = try CapturedRun(fixture: "openpbs-23.06-local/partial_fail_f_x.txt")
        let query = QstatCommand.plan(ids: ["1", "99999", "4"], dialect: .openpbs)
        let answer = try #require(QstatCommand.interpret(capture.outcome, for: query).answer)
        #expect(answer["1"]?.job?.id == "1.vm")
        #expect(answer["4"]?.job?.id == "4.vm")
        #expect(answer["99999"] == .unknown)
    }

    @Test func heldJob() throws {
        let capture = try CapturedRun(fixture: "openpbs-23.06-local/held_f.txt")
        let query = QstatCommand.plan(ids: ["7.vm"], dialect: .openpbs, history: false)
        let answer = try #require(QstatCommand.interpret(capture.outcome, for: query).answer)
        #expect(answer["7.vm"]?.job?.state == .held)
    }

    @Test func walltimeExceeded() throws {
        let capture = try CapturedRun(fixture: "openpbs-23.06-local/walltime_exceeded_f_x.txt")
        let id = try #require(capture.command.split(separator: " ").last.map(String.init))
        let answer = try #require(QstatCommand.interpret(capture.outcome,
                                                         for: QstatCommand.plan(ids: [id], dialect: .openpbs)).answer)
        #expect(answer[id]?.job?.exitStatus == -29)
    }

    /// Torque XML with 6 jobs; an asked id that is not in it (completed and purged) is `.unknown`.
    @Test func torqueListingWithAVanishedJob() throws {
        let stdout = try fixtureBytes("torque-qstat-x-fyrd-stanford.xml")
        let query = QstatCommand.plan(ids: ["673175[].superserver", "42.superserver"], dialect: .torque)
        let outcome = CommandOutcome(command: ["qstat", "-x"], termination: .exited(0), standardOutput: stdout)
        let answer = try #require(QstatCommand.interpret(outcome, for: query).answer)
        #expect(answer["673175[].superserver"]?.job?.isArrayParent == true)
        #expect(answer["42.superserver"] == .unknown)
    }

    /// Slurm's wrapper prints `Job Id:<TAB>12` and TAB-indented attributes; an id it skipped is `.unknown`.
    @Test func slurmTextWithASkippedId() throws {
        let stdout = "Job Id:\t12\n\tJob_Name = ctl\n\tJob_Owner = u@host\n\tjob_state = R\n\tqueue = workq\n"
            + "\tqtime = Wed Nov 25 21:21:41 2026\n\tmtime = Wed Nov 25 21:21:42 2026\n"
            + "\tctime = Wed Nov 25 22:21:42 2026\n\texec_host = host/2\n\tResource_List.walltime = 01:00:00\n\n"
        let query = QstatCommand.plan(ids: ["12", "13"], dialect: .slurmWrapper)
        let answer = try #require(QstatCommand.interpret(.exited(0, stdout: stdout), for: query).answer)
        #expect(answer["12"]?.job?.state == .running)
        #expect(answer["13"] == .unknown)
    }

    @Test func listingFiltersByOwner() throws {
        let capture = try CapturedRun(fixture: "openpbs-23.06-local/partial_fail_f_x.txt")
        var outcome = capture.outcome
        outcome.termination = .exited(0)
        outcome.standardError = []
        let query = QstatCommand.listPlan(dialect: .openpbs)
        #expect(try QstatCommand.interpretListing(outcome, for: query).get().map(\.id) == ["1.vm", "4.vm"])
        #expect(try QstatCommand.interpretListing(outcome, for: query, owner: "pbsuser").get().count == 2)
        #expect(try QstatCommand.interpretListing(outcome, for: query, owner: "other").get().isEmpty)
    }
}
