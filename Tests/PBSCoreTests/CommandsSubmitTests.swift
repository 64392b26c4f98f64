import PBSCore
import Testing

@Suite("qsub plan and interpretation")
struct CommandsSubmitTests {
    @Test func fullRequestBuildsOneArgvWithASingleResourceList() throws {
        let request = SubmitRequest(
            script: .path("/home/u/.local/state/clusterd/controller.sh"),
            name: "ipc-controller",
            resources: ["select=1:ncpus=2:mpiprocs=2:mem=1gb", "walltime=01:00:00"],
            variables: ["CLUSTERD_ROLE": "controller", "CLUSTERD_ID": "abc 123", "A": ""],
            dependency: .init(kind: .after, jobIDs: ["6.server"]),
            joinOutput: true, outputPath: "/home/u/logs/ctl.out", queue: "workq", account: "proj1"
        )
        let plan = try QsubCommand.plan(for: request)
        #expect(plan.tool == .qsub)
        #expect(plan.standardInput == nil)
        #expect(plan.arguments == [
            "-N", "ipc-controller",
            "-l", "select=1:ncpus=2:mpiprocs=2:mem=1gb,walltime=01:00:00",
            "-v", "A=,CLUSTERD_ID=abc 123,CLUSTERD_ROLE=controller",
            "-W", "depend=after:6.server",
            "-j", "oe",
            "-o", "/home/u/logs/ctl.out",
            "-q", "workq",
            "-A", "proj1",
            "/home/u/.local/state/clusterd/controller.sh",
        ])
        #expect(plan.arguments.filter { $0 == "-l" }.count == 1)
    }

    @Test func scriptContentsGoToStandardInputWithoutAPathArgument() throws {
        let script = Array("#!/bin/sh\necho hi\n".utf8)
        let plan = try QsubCommand.plan(for: SubmitRequest(script: .contents(script), name: "job"))
        #expect(plan.arguments == ["-N", "job"])
        #expect(plan.standardInput == script)
    }

    @Test func minimalRequestIsJustTheScript() throws {
        let plan = try QsubCommand.plan(for: SubmitRequest(script: .path("job.sh")))
        #expect(plan.arguments == ["job.sh"])
    }

    @Test func dependencyOnSeveralJobs() throws {
        let plan = try QsubCommand.plan(for: SubmitRequest(
            script: .path("e.sh"), dependency: .init(kind: .afterok, jobIDs: ["12", "13"])
        ))
        #expect(plan.arguments == ["-W", "depend=afterok:12:13", "e.sh"])
    }

    @Test(arguments: [
        (SubmitRequest(script: .path("j.sh"), name: "a\nb"), "newline"),
        (SubmitRequest(script: .path("j.sh"), name: "a\tb"), "tab"),
        (SubmitRequest(script: .path("j.sh"), name: ""), "empty"),
        (SubmitRequest(script: .path("j.sh"), variables: ["X": "a,b"]), "comma"),
        (SubmitRequest(script: .path("j.sh"), variables: ["X": "line\nbreak"]), "newline"),
        (SubmitRequest(script: .path("j.sh"), variables: ["X": "say \"hi\""]), "quote"),
        (SubmitRequest(script: .path("j.sh"), variables: ["X": "it's"]), "quote"),
        (SubmitRequest(script: .path("j.sh"), variables: ["1X": "v"]), "not a valid name"),
        (SubmitRequest(script: .path("j.sh"), variables: ["A=B": "v"]), "not a valid name"),
        (SubmitRequest(script: .path("j.sh"), resources: ["walltime=1:00:00,ncpus=2"]), "comma"),
        (SubmitRequest(script: .path("j.sh"), resources: ["walltime=\u{7}"]), "U+7"),
        (SubmitRequest(script: .path("-x.sh")), "would be read as an option"),
        (SubmitRequest(script: .path("j.sh"), dependency: .init(kind: .after, jobIDs: ["6;rm"])), "not a job id"),
        (SubmitRequest(script: .path("j.sh"), dependency: .init(kind: .after, jobIDs: [])), "no job id"),
        (SubmitRequest(script: .contents([])), "empty"),
        (SubmitRequest(script: .path("j.sh"), outputPath: "/tmp/a\r"), "carriage return"),
    ])
    func invalidRequestsAreRefusedWithAClearMessage(request: SubmitRequest, fragment: String) {
        #expect {
            _ = try QsubCommand.plan(for: request)
        } throws: { error in
            guard let error = error as? PBSCommandError else { return false }
            return error.kind == .invalidRequest && error.message.contains(fragment) && !error.message.contains("\n")
        }
    }

    @Test(arguments: ["4.server", "6[].server", "1234", "673175[19].superserver", "5487654.polaris-pbs-01.hsn.cm"])
    func jobIDsAreReturnedExactlyAsPrinted(id: String) throws {
        let result = QsubCommand.interpret(.exited(0, stdout: id + "\n"))
        #expect(try result.get() == id)
    }

    @Test func garbageOnStdoutWithExitZeroIsBadOutput() {
        for stdout in ["", "\n", "Submitted batch job 12\n", "qsub: submitted\n4.server\n", "4.server extra\n"] {
            let result = QsubCommand.interpret(.exited(0, stdout: stdout))
            guard case .failure(let error) = result else {
                Issue.record("\(stdout.debugDescription) was accepted")
                continue
            }
            #expect(error.kind == .badOutput)
        }
    }

    /// Slurm's wrapper prints errors on STDOUT with exit 1: never read that as an id.
    @Test func slurmErrorOnStdoutIsRejectedWithItsText() {
        let stdout = "sbatch: error: Batch job submission failed: Invalid account or account/partition combination\n"
        guard case .failure(let error) = QsubCommand.interpret(.exited(1, stdout: stdout)) else {
            Issue.record("accepted")
            return
        }
        #expect(error.kind == .rejected)
        #expect(error.exitCode == 1)
        #expect(error.standardOutput == stdout)
        #expect(error.message.contains("Invalid account"))
    }

    @Test func slurmControllerDownIsServerDown() {
        let stdout = "sbatch: error: Batch job submission failed: "
            + "Unable to contact slurm controller (connect failure)\n"
        guard case .failure(let error) = QsubCommand.interpret(.exited(1, stdout: stdout)) else {
            Issue.record("accepted")
            return
        }
        #expect(error.kind == .serverDown)
    }

    @Test func openPBSServerDownIs162() {
        let stderr = "Connection refused\nqsub: cannot connect to server vm (errno=15010)\n"
        guard case .failure(let error) = QsubCommand.interpret(.exited(162, stderr: stderr)) else {
            Issue.record("accepted")
            return
        }
        #expect(error.kind == .serverDown)
        #expect(error.exitCode == 162)
        #expect(error.standardError == stderr)
    }

    @Test func badUIDIsARejection() {
        guard case .failure(let error) = QsubCommand.interpret(
            .exited(175, stderr: "qsub: Bad UID for job execution\n")
        ) else {
            Issue.record("accepted")
            return
        }
        #expect(error.kind == .rejected)
        #expect(error.message.contains("Bad UID"))
        #expect(error.message.contains("175"))
    }

    @Test func timeoutAndLaunchFailure() {
        let timedOut = CommandOutcome(command: ["qsub", "j.sh"], termination: .timedOut(.seconds(60)))
        guard case .failure(let timeout) = QsubCommand.interpret(timedOut) else { Issue.record("accepted"); return }
        #expect(timeout.kind == .timeout)
        let missing = CommandOutcome(command: ["qsub"], termination: .launchFailed("Executable \"qsub\" is not found"))
        guard case .failure(let launch) = QsubCommand.interpret(missing) else { Issue.record("accepted"); return }
        #expect(launch.kind == .launchFailed)
        #expect(launch.message.contains("not found"))
    }
}
