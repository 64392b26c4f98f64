import Foundation
import Testing
import TestSupport

/// What the end-to-end tests need on this machine, found once: the venv (ipyparallel, mpi4py, notebook and the
/// `clusterd` Python client), Open MPI, the built clusterd, clusterctl and pbs-emu, and for the Slurm suite a
/// running Slurm with its PBS wrappers. Missing pieces skip the tests with a reason, except under `CI=true`,
/// where they fail (CI must never pass by skipping).
enum EndToEndEnvironment {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let venv: String = ProcessInfo.processInfo.environment["CLUSTERD_E2E_VENV"]
        ?? repositoryRoot + "/.build/e2e-venv"

    static let clientScript = repositoryRoot + "/scripts/e2e_client.py"
    /// Counts answering engines every ~0.5 s through `clusterd.connect()` (see the script's docstring).
    static let probeScript = repositoryRoot + "/scripts/e2e_probe.py"
    /// Drives a Jupyter server over REST and the kernel websocket.
    static let notebookScript = repositoryRoot + "/scripts/e2e_notebook.py"

    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The build products directory (where the test bundle and `clusterd` live).
    static let productDirectory: String = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("clusterd").path) {
                return url.path
            }
        }
        return repositoryRoot + "/.build/debug"
    }()

    static var clusterd: String { productDirectory + "/clusterd" }

    /// Starts `clusterd run` with `arguments`, this process's environment plus `environment`, stdin from
    /// /dev/null and stdout+stderr to `log` (created empty).
    static func launchDaemon(_ arguments: [String], environment: [String: String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: clusterd)
        process.arguments = ["run"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
    static var clusterctl: String { productDirectory + "/clusterctl" }
    static var pbsEmu: String { productDirectory + "/pbs-emu" }

    /// Why neither suite can run here (venv, MPI, built programs), or nil.
    static let commonMissing: String? = {
        let files = FileManager.default
        guard files.isExecutableFile(atPath: venv + "/bin/python") else {
            return "no venv at \(venv) (run scripts/e2e-venv.sh, or set CLUSTERD_E2E_VENV)"
        }
        let modules = "ipyparallel, mpi4py, notebook, tornado.websocket, clusterd"
        let imports = quickRun(venv + "/bin/python", ["-c", "import \(modules); print('ok')"])
        guard imports == "ok" else {
            return "the venv \(venv) cannot import \(modules) (run scripts/e2e-venv.sh: it installs python/ too)"
        }
        guard quickRun("/bin/sh", ["-c", "command -v mpirun"]).hasSuffix("mpirun") else {
            return "no mpirun on PATH (Open MPI: run scripts/e2e-venv.sh)"
        }
        for program in [clusterd, clusterctl, pbsEmu] where !files.isExecutableFile(atPath: program) {
            return "no built \(program) (swift build --build-tests)"
        }
        return nil
    }()

    /// Why the Slurm suite cannot run here, or nil when it can.
    static let missing: String? = {
        let files = FileManager.default
        for tool in ["qsub", "qstat", "qdel", "squeue", "sinfo", "scancel"]
            where !files.isExecutableFile(atPath: "/usr/bin/" + tool)
        {
            return "/usr/bin/\(tool) not found (Slurm with its PBS wrappers: run scripts/e2e-slurm.sh up)"
        }
        let node = quickRun("/usr/bin/timeout", ["5", "/usr/bin/sinfo", "-h", "-N", "-o", "%t"])
        guard ["idle", "mix", "alloc"].contains(where: { node.hasPrefix($0) }) else {
            return "Slurm is not up (sinfo node state '\(node)'; run scripts/e2e-slurm.sh up)"
        }
        return commonMissing
    }()

    static var available: Bool { missing == nil }

    /// Why the pbs-emu suite cannot run here, or nil when it can (it needs no Slurm and no root).
    static var emulatorMissing: String? { commonMissing }

    static var emulatorAvailable: Bool { emulatorMissing == nil }

    /// Runs a short command synchronously (only at discovery time) and returns its trimmed stdout.
    private static func quickRun(_ executable: String, _ arguments: [String]) -> String {
        let output = try? TestProcess.run(executable, arguments)
        return output?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }
}

/// Every end-to-end suite, one test at a time: they share the machine's 2 cores (and Slurm), and the timings
/// they measure would mean nothing with another scenario running beside them.
@Suite(.serialized) enum EndToEnd {}

/// Measured times, printed and appended to `$CLUSTERD_E2E_TIMINGS` (scripts/test.sh summarises that file).
/// `unit` is for the printed line only (a count has none); the file holds name and value.
enum Timings {
    static func record(_ name: String, _ seconds: Double, unit: String = "s") {
        let line = String(format: "%@ %.1f", name, seconds)
        print("e2e timing: \(name) \(String(format: "%.1f", seconds))" + (unit.isEmpty ? "" : " \(unit)"))
        guard let path = ProcessInfo.processInfo.environment["CLUSTERD_E2E_TIMINGS"] else { return }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data((line + "\n").utf8))
            try? handle.close()
        }
    }
}
