import PBSCore
import Testing

@Suite("dialect detection from qstat --version")
struct CommandsVersionTests {
    @Test func probeArguments() {
        #expect(QstatVersionCommand.plan == PBSCommandPlan(tool: .qstat, arguments: ["--version"]))
    }

    @Test func openPBS() throws {
        let detection = try QstatVersionCommand.classify(.exited(0, stdout: "pbs_version = 23.06.06\n")).get()
        #expect(detection.dialect == .openpbs)
        #expect(detection.version == "23.06.06")
        #expect(detection.method == .versionProbe)
        #expect(detection.evidence == "pbs_version = 23.06.06")
    }

    @Test func torque() throws {
        let detection = try QstatVersionCommand.classify(.exited(0, stdout: "Version: 6.1.2\nCommit: 661e092\n")).get()
        #expect(detection.dialect == .torque)
        #expect(detection.version == "6.1.2")
    }

    @Test func slurmWrapperRejectsVersionWithItsUsageLine() throws {
        let stderr = "Unknown option: version\nUsage:\n    qstat [-f] [-a|-i|-r] [-n [-1]] [-G|-M] [-u user_list] "
            + "[-? | --help]\n\n"
        let detection = try QstatVersionCommand.classify(.exited(2, stderr: stderr)).get()
        #expect(detection.dialect == .slurmWrapper)
        #expect(detection.version == nil)
        #expect(detection.evidence.contains("[-u user_list]"))
    }

    @Test func unrecognisedOutputIsAnError() {
        for outcome in [CommandOutcome.exited(0, stdout: "hello\n"), .exited(127, stderr: "qstat: not found\n"),
                        .exited(0, stdout: "pbs_version =\n")] {
            guard case .failure(let error) = QstatVersionCommand.classify(outcome) else {
                Issue.record("classified \(outcome.stdoutText)")
                continue
            }
            #expect(error.kind == .badOutput)
            #expect(error.message.contains("dialect"))
        }
    }

    @Test func launchFailure() {
        let outcome = CommandOutcome(command: ["qstat", "--version"], termination: .launchFailed("not found"))
        guard case .failure(let error) = QstatVersionCommand.classify(outcome) else { Issue.record("ok"); return }
        #expect(error.kind == .launchFailed)
    }

    @Test func configuredDialect() {
        #expect(PBSDialectSetting.auto.forcedDialect == nil)
        #expect(PBSDialectSetting(rawValue: "slurm-wrapper")?.forcedDialect == .slurmWrapper)
        let detection = QstatVersionCommand.configured(.torque)
        #expect(detection.method == .configured)
        #expect(detection.dialect == .torque)
    }
}
