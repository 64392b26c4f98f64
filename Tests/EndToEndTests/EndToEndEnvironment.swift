import Foundation
import Testing
import TestSupport

/// What the end-to-end tests need on this machine, found once: a running Slurm with its PBS wrappers, the venv
/// with ipyparallel and mpi4py, the built clusterd. Missing pieces skip the tests with a reason, except under
/// `CI=true`, where they fail (CI must never pass by skipping).
enum EndToEndEnvironment {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let venv: String = ProcessInfo.processInfo.environment["CLUSTERD_E2E_VENV"]
        ?? repositoryRoot + "/.build/e2e-venv"

    static let clientScript = repositoryRoot + "/scripts/e2e_client.py"

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

    /// Why the tests cannot run here, or nil when they can.
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
        guard files.isExecutableFile(atPath: venv + "/bin/python") else {
            return "no venv at \(venv) (run scripts/e2e-venv.sh, or set CLUSTERD_E2E_VENV)"
        }
        let imports = quickRun(venv + "/bin/python", ["-c", "import ipyparallel, mpi4py; print('ok')"])
        guard imports == "ok" else { return "the venv \(venv) cannot import ipyparallel and mpi4py" }
        guard files.isExecutableFile(atPath: clusterd) else { return "no built clusterd at \(clusterd)" }
        return nil
    }()

    static var available: Bool { missing == nil }

    /// Runs a short command synchronously (only at discovery time) and returns its trimmed stdout.
    private static func quickRun(_ executable: String, _ arguments: [String]) -> String {
        let output = try? TestProcess.run(executable, arguments)
        return output?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }
}

/// Measured times, printed and appended to `$CLUSTERD_E2E_TIMINGS` (scripts/test.sh summarises that file).
enum Timings {
    static func record(_ name: String, _ seconds: Double) {
        let line = String(format: "%@ %.1f", name, seconds)
        print("e2e timing: \(name) \(String(format: "%.1f", seconds)) s")
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
