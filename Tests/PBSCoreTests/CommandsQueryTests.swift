import PBSCore
import Testing

@Suite("qstat plans")
struct CommandsQueryPlanTests {
    @Test func openPBSUsesTextWithHistoryAndAllIdsInOneCall() throws {
        let ids = (1...200).map { "\($0).vm" }
        let query = QstatCommand.plan(ids: ids, dialect: .openpbs)
        let plan = try #require(query.plan)
        #expect(plan.tool == .qstat)
        #expect(plan.arguments == ["-f", "-x"] + ids)
        #expect(!plan.arguments.contains("json"))
        #expect(query.format == .pbsText)
        #expect(query.includesHistory)
    }

    @Test func openPBSWithoutHistory() throws {
        let query = QstatCommand.plan(ids: ["4.vm"], dialect: .openpbs, history: false)
        #expect(try #require(query.plan).arguments == ["-f", "4.vm"])
        #expect(!query.includesHistory)
    }

    @Test func torqueAsksForXML() throws {
        let query = QstatCommand.plan(ids: ["673175[].superserver", "1.s"], dialect: .torque)
        #expect(try #require(query.plan).arguments == ["-x", "673175[].superserver", "1.s"])
        #expect(query.format == .torqueXML)
    }

    @Test func slurmGetsBareNumbersOnce() throws {
        let query = QstatCommand.plan(ids: ["12", "12.host", "13.host", "12"], dialect: .slurmWrapper)
        #expect(try #require(query.plan).arguments == ["-f", "12", "13"])
        #expect(query.askedIDs == ["12", "12.host", "13.host"])
    }

    @Test func noIdsRunsNothingAndAnswersEmpty() {
        for dialect in PBSDialect.allCases {
            let query = QstatCommand.plan(ids: [], dialect: dialect)
            #expect(query.plan == nil)
            #expect(QstatCommand.interpret(nil, for: query) == .answered([:]))
        }
    }

    /// `qstat -f abc` fails the whole call on OpenPBS (170): a corrupt id must not poison every tick.
    @Test func malformedIdsAreNotSentAndAnswerUnknown() throws {
        let query = QstatCommand.plan(ids: ["abc", "4.vm", "x;y"], dialect: .openpbs)
        #expect(try #require(query.plan).arguments == ["-f", "-x", "4.vm"])
        #expect(query.malformedIDs == ["abc", "x;y"])
        let onlyBad = QstatCommand.plan(ids: ["abc"], dialect: .openpbs)
        #expect(onlyBad.plan == nil)
        #expect(QstatCommand.interpret(nil, for: onlyBad) == .answered(["abc": .unknown]))
    }

    @Test func listingPlans() {
        #expect(QstatCommand.listPlan(dialect: .openpbs).plan?.arguments == ["-f", "-x"])
        #expect(QstatCommand.listPlan(dialect: .openpbs, history: false).plan?.arguments == ["-f"])
        #expect(QstatCommand.listPlan(dialect: .torque).plan?.arguments == ["-x"])
        #expect(QstatCommand.listPlan(dialect: .slurmWrapper).plan?.arguments == ["-f"])
    }
}

@Suite("qstat interpretation")
struct CommandsQueryInterpretationTests {
    let openpbs = QstatCommand.plan(ids: ["1.vm", "4.vm"], dialect: .openpbs)
    let slurm = QstatCommand.plan(ids: ["12", "13"], dialect: .slurmWrapper)

    @Test(arguments: [
        (Int32(255), "Connection refused\nqstat: cannot connect to server vm (errno=15010)\n"),
        (Int32(162), "Connection refused\nqstat: cannot connect to server vm (errno=15010)\n"),
        (Int32(1), "qstat: cannot connect to server vm (errno=15010)\n"),
    ])
    func openPBSServerDown(code: Int32, stderr: String) throws {
        let stdout = "{\n\t\"timestamp\":1,\n\t\"pbs_version\":\"23.06.06\",\n\t\"pbs_server\":\"vm\"\n}\n"
        let result = QstatCommand.interpret(.exited(code, stdout: stdout, stderr: stderr), for: openpbs)
        let failure = try #require(result.failure)
        #expect(failure.kind == .serverDown)
        #expect(failure.message.contains("errno=15010"))
    }

    /// Real stderr from Parsl#3906 (PBS Pro 2024.1.2 without history): exit 35. Text mode prints nothing on stdout.
    @Test func jobHasFinishedWithoutHistoryIsUnknown() throws {
        let stderr = "qstat: 5487654.polaris-pbs-01.hsn.cm.polaris.alcf.anl.gov Job has finished, use -x or -H to "
            + "obtain historical job information\n"
        let query = QstatCommand.plan(ids: ["5487654.polaris-pbs-01.hsn.cm.polaris.alcf.anl.gov"], dialect: .openpbs,
                                      history: false)
        let result = QstatCommand.interpret(.exited(35, stderr: stderr), for: query)
        #expect(result == .answered(["5487654.polaris-pbs-01.hsn.cm.polaris.alcf.anl.gov": .unknown]))
    }

    @Test func shortAskedIdMatchesTheFullIdOnStderr() {
        let query = QstatCommand.plan(ids: ["99999"], dialect: .openpbs)
        let result = QstatCommand.interpret(.exited(153, stderr: "qstat: Unknown Job Id 99999.vm\n"), for: query)
        #expect(result == .answered(["99999": .unknown]))
    }

    /// OpenPBS names every id it cannot show. Silence about an asked id is not evidence that it is gone.
    @Test func openPBSSilenceAboutAnIdFailsTheQuery() throws {
        let result = QstatCommand.interpret(.exited(0), for: openpbs)
        let failure = try #require(result.failure)
        #expect(failure.kind == .badOutput)
        #expect(failure.message.contains("1.vm"))
        let partial = QstatCommand.interpret(.exited(153, stderr: "qstat: Unknown Job Id 1.vm\n"), for: openpbs)
        #expect(partial.failure?.kind == .badOutput)
    }

    @Test(arguments: [
        (Int32(170), "qstat: Unknown queue destination abc\n"),
        (Int32(1), "qstat: illegally formed job identifier: 12.3.4x@@\n"),
        (Int32(2), "usage: qstat ...\n"),
    ])
    func unexpectedExitCodesFailTheQuery(code: Int32, stderr: String) throws {
        let failure = try #require(QstatCommand.interpret(.exited(code, stderr: stderr), for: openpbs).failure)
        #expect(failure.kind == .commandFailed)
        #expect(failure.message.contains("exited with code \(code)"))
        #expect(failure.message.contains(CommandTextProbe.firstLine(stderr)))
    }

    @Test func garbageOutputIsBadOutputNotAnAnswer() throws {
        let outcome = CommandOutcome.exited(0, stdout: "\u{0}\u{1}binary garbage\u{FFFD}\n")
        let failure = try #require(QstatCommand.interpret(outcome, for: openpbs).failure)
        #expect(failure.kind == .badOutput)
        let torque = QstatCommand.plan(ids: ["1.s"], dialect: .torque)
        #expect(QstatCommand.interpret(.exited(0, stdout: "<Data><Job><Job_Id>1.s"), for: torque).failure?.kind
            == .badOutput)
    }

    @Test func abnormalTerminationsFailTheWholeQuery() {
        let cases: [(CommandOutcome.Termination, PBSQueryFailure.Kind)] = [
            (.timedOut(.seconds(30)), .timeout),
            (.outputTooLarge(stream: "stdout", limit: 64 << 20), .badOutput),
            (.launchFailed("Executable \"qstat\" is not found"), .commandFailed),
            (.signaled(9), .commandFailed),
        ]
        for (termination, kind) in cases {
            let outcome = CommandOutcome(command: ["qstat", "-f", "-x", "1.vm", "4.vm"], termination: termination)
            for query in [openpbs, slurm, QstatCommand.plan(ids: ["1"], dialect: .torque)] {
                #expect(QstatCommand.interpret(outcome, for: query).failure?.kind == kind)
            }
        }
    }

    /// Slurm's wrapper: 153 with empty stdout and stderr = none of the ids known.
    @Test func slurmEmpty153MeansAllUnknown() {
        #expect(QstatCommand.interpret(.exited(153), for: slurm) == .answered(["12": .unknown, "13": .unknown]))
    }

    @Test func slurm153WithTextIsAFailure() {
        #expect(QstatCommand.interpret(.exited(153, stderr: "something odd\n"), for: slurm).failure?.kind
            == .commandFailed)
    }

    /// slurmctld down: every call hangs ~9 s, then qstat exits 8 with "Problem loading jobs.".
    @Test func slurmControllerDownIsServerDown() {
        let result = QstatCommand.interpret(.exited(8, stderr: "Problem loading jobs.\n"), for: slurm)
        #expect(result.failure?.kind == .serverDown)
    }

    @Test func torqueUnknownIdsAndVanishedJobsAreUnknown() {
        let query = QstatCommand.plan(ids: ["5.s", "6.s"], dialect: .torque)
        let result = QstatCommand.interpret(.exited(153, stderr: "qstat: Unknown Job Id Error 5.s\n"), for: query)
        #expect(result == .answered(["5.s": .unknown, "6.s": .unknown]))
    }

    @Test func torqueServerDown() {
        let query = QstatCommand.plan(ids: ["5.s"], dialect: .torque)
        let stderr = "Cannot connect to default server host 'head' - check pbs_server daemon.\n"
            + "qstat: cannot connect to server head (errno=111) Connection refused\n"
        #expect(QstatCommand.interpret(.exited(111, stderr: stderr), for: query).failure?.kind == .serverDown)
    }

    @Test func slurmEmptyListingIsEmpty() throws {
        let query = QstatCommand.listPlan(dialect: .slurmWrapper)
        #expect(try QstatCommand.interpretListing(.exited(153), for: query).get() == [])
        let openpbsList = QstatCommand.listPlan(dialect: .openpbs)
        #expect(try QstatCommand.interpretListing(.exited(0), for: openpbsList).get() == [])
        guard case .failure(let failure) = QstatCommand.interpretListing(
            .exited(255, stderr: "qstat: cannot connect to server vm (errno=15010)\n"), for: openpbsList
        ) else {
            Issue.record("server down listing succeeded")
            return
        }
        #expect(failure.kind == .serverDown)
    }
}

/// The first line of a text, to look for it in messages.
enum CommandTextProbe {
    static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n").first ?? "")
    }
}
