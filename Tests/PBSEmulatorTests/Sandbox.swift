import Foundation
import PBSEmulator
import Testing
import TestSupport

/// A private emulator for one test: its own PBS_EMU_HOME, submit directory and HOME, the real `pbs-emu`
/// binary from the build directory, and `stop()` that ends the server and removes everything.
final class Sandbox: Sendable {
    struct Result {
        var stdout: String
        var stderr: String
        var exitCode: Int32
    }

    let root: URL
    let home: String
    let workdir: String
    let userHome: String
    let server = "emu"

    /// `pbs-emu` next to the running test bundle (`.build/debug/`).
    static let binary = BuiltProducts.path("pbs-emu")

    init(killDelay: String = "300ms") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pbs-emu-test-\(UUID().uuidString)")
        home = root.appendingPathComponent("state").path
        workdir = root.appendingPathComponent("submit").path
        userHome = root.appendingPathComponent("home").path
        for path in [workdir, userHome] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        let result = run("config", "kill-delay", killDelay)
        guard result.exitCode == 0 else { throw FixtureError("config failed: \(result.stderr)") }
    }

    var environment: [String: String] {
        [
            "PBS_EMU_HOME": home, "PBS_EMU_SERVER": server, "HOME": userHome, "LANG": "C.UTF-8",
            "LOGNAME": "pbsuser", "SHELL": "/bin/bash", "PATH": "/usr/local/bin:/usr/bin:/bin",
        ]
    }

    /// Runs `pbs-emu <arguments>` in the submit directory.
    @discardableResult
    func run(_ arguments: String..., stdin: String? = nil) -> Result {
        run(arguments: arguments, stdin: stdin)
    }

    func run(arguments: [String], stdin: String? = nil, argv0: String? = nil) -> Result {
        do {
            let output = try TestProcess.run(argv0 ?? Self.binary, arguments, environment: environment,
                                             inherit: false, input: stdin ?? "", directory: workdir)
            return Result(stdout: output.stdout, stderr: output.stderr, exitCode: output.status)
        } catch {
            return Result(stdout: "", stderr: "cannot run \(Self.binary): \(error)", exitCode: -1)
        }
    }

    /// Writes a script into the submit directory.
    @discardableResult
    func script(_ name: String, _ body: String) throws -> String {
        let path = workdir + "/" + name
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// qsub; returns the job id it printed.
    func submit(_ arguments: String..., stdin: String? = nil) throws -> String {
        let result = run(arguments: ["qsub"] + arguments, stdin: stdin)
        guard result.exitCode == 0 else {
            throw FixtureError("qsub \(arguments) failed (\(result.exitCode)): \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The job as `qstat -x -f` shows it now.
    func job(_ id: String) -> QstatJob? {
        FullTextReader.jobs(run("qstat", "-x", "-f", id).stdout).first
    }

    /// Polls (every 20 ms, up to `timeout`) until the job's attributes satisfy `condition`.
    @discardableResult
    func waitFor(_ id: String, timeout: Double = 5, _ condition: (QstatJob) -> Bool) throws -> QstatJob {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let job = job(id), condition(job) { return job }
            guard Date() < deadline else {
                throw FixtureError("job \(id) did not reach the expected state: \(String(describing: job(id)))")
            }
            usleep(20_000)
        }
    }

    @discardableResult
    func waitForState(_ id: String, _ state: String, timeout: Double = 5) throws -> QstatJob {
        try waitFor(id, timeout: timeout) { $0.value("job_state") == state }
    }

    /// The emulator's state file as it is now, read without running a command (commands may be slowed by a
    /// fault).
    func savedState() throws -> EmulatorState {
        try JSONDecoder().decode(EmulatorState.self, from: Data(contentsOf: URL(fileURLWithPath: home + "/state.json")))
    }

    /// Stops the server (ending every job) and removes the directories.
    func stop() {
        run("server", "stop")
        try? FileManager.default.removeItem(at: root)
    }

    /// True while a process with this pid exists.
    static func processExists(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
