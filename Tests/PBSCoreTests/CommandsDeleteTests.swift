import PBSCore
import Testing

@Suite("qdel plan and verdicts")
struct CommandsDeleteTests {
    @Test func oneProcessForAllIds() {
        #expect(QdelCommand.plan(ids: ["1.vm", "2.vm", "1.vm"], dialect: .openpbs)?.arguments == ["1.vm", "2.vm"])
        #expect(QdelCommand.plan(ids: ["12.host", "13"], dialect: .slurmWrapper)?.arguments == ["12", "13"])
        #expect(QdelCommand.plan(ids: [], dialect: .openpbs) == nil)
        #expect(QdelCommand.plan(ids: ["rm -rf"], dialect: .openpbs) == nil)
    }

    @Test func exitZeroDeletesAll() {
        let verdicts = QdelCommand.interpret(.exited(0), ids: ["1.vm", "2.vm"], dialect: .openpbs)
        #expect(verdicts == ["1.vm": .deleted, "2.vm": .deleted])
    }

    /// OpenPBS: finished → 35 `qdel: Job has finished 1.vm`; unknown → 153 `qdel: Unknown Job Id 99.vm`.
    @Test func openPBSMixedVerdicts() {
        let stderr = "qdel: Job has finished 1.vm\nqdel: Unknown Job Id 99.vm\n"
        let verdicts = QdelCommand.interpret(.exited(153, stderr: stderr), ids: ["1.vm", "2.vm", "99"],
                                             dialect: .openpbs)
        #expect(verdicts == ["1.vm": .alreadyFinished, "2.vm": .deleted, "99": .unknown])
    }

    @Test func openPBSServerDownFailsEveryId() {
        let verdicts = QdelCommand.interpret(.exited(162, stderr: "Couldn't connect to cluster: vm\n"),
                                             ids: ["1.vm", "2.vm"], dialect: .openpbs)
        #expect(verdicts.count == 2)
        for verdict in verdicts.values {
            guard case .failed(let error) = verdict else { Issue.record("\(verdict)"); continue }
            #expect(error.kind == .serverDown)
            #expect(error.message.contains("Couldn't connect"))
        }
    }

    /// Slurm's wrapper: exit code = number of failed ids; errors on STDOUT; silent for finished/unknown ids.
    @Test func slurmFailedIdsAreNamedOnStdout() {
        let stdout = "qdel: Kill job error on job id 12: Access/permission denied\n"
        let verdicts = QdelCommand.interpret(.exited(1, stdout: stdout), ids: ["12", "13"], dialect: .slurmWrapper)
        #expect(verdicts["13"] == .deleted)
        guard case .failed(let error) = verdicts["12"] else { Issue.record("12 not failed"); return }
        #expect(error.kind == .rejected)
        #expect(error.message.contains("Access/permission denied"))
    }

    @Test func slurmControllerDown() {
        let stdout = "qdel: Kill job error on job id 12: Unable to contact slurm controller (connect failure)\n"
        let verdicts = QdelCommand.interpret(.exited(1, stdout: stdout), ids: ["12"], dialect: .slurmWrapper)
        guard case .failed(let error) = verdicts["12"] else { Issue.record("not failed"); return }
        #expect(error.kind == .serverDown)
    }

    /// An error line that names no asked id: silence about the others proves nothing.
    @Test func unattributedErrorMakesSilentIdsFailed() {
        let verdicts = QdelCommand.interpret(.exited(1, stderr: "qdel: something went wrong\n"), ids: ["1.vm"],
                                             dialect: .openpbs)
        guard case .failed(let error) = verdicts["1.vm"] else { Issue.record("not failed"); return }
        #expect(error.kind == .rejected)
        #expect(error.message.contains("something went wrong"))
    }

    @Test func malformedIdsAndAbnormalEnds() {
        let verdicts = QdelCommand.interpret(nil, ids: ["x y"], dialect: .openpbs)
        guard case .failed(let error) = verdicts["x y"] else { Issue.record("accepted"); return }
        #expect(error.kind == .invalidRequest)
        let timedOut = CommandOutcome(command: ["qdel", "1.vm"], termination: .timedOut(.seconds(5)))
        guard case .failed(let timeout) = QdelCommand.interpret(timedOut, ids: ["1.vm"], dialect: .openpbs)["1.vm"]
        else { Issue.record("timeout accepted"); return }
        #expect(timeout.kind == .timeout)
    }
}
