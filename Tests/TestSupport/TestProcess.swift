import Foundation

/// How a command ended and what it printed.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs real programs for tests: the built executables, pbs-emu, Slurm's commands, bash.
public enum TestProcess {
    /// Runs `executable` to completion and returns its status and output.
    ///
    /// Output goes through temporary files, not pipes: a job the command starts in the background (qsub on
    /// pbs-emu) may hold a pipe open long after the command itself exited. `environment` is laid over this
    /// process's environment, or replaces it when `inherit` is false. `timeout` (seconds) runs the command under
    /// `timeout -k 5`, so a hung command fails the test instead of the run.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], inherit: Bool = true,
        input: String? = nil, directory: String? = nil, timeout: Int? = nil
    ) throws -> ProcessOutput {
        let scratch = try TemporaryDirectory(prefix: "clusterd-cmd")
        let outPath = scratch.path + "/out", errPath = scratch.path + "/err"
        for path in [outPath, errPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let process = Process()
        if let timeout {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
            process.arguments = ["-k", "5", "\(timeout)", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        process.environment = inherit
            ? ProcessInfo.processInfo.environment.merging(environment) { $1 } : environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        process.standardOutput = FileHandle(forWritingAtPath: outPath)
        process.standardError = FileHandle(forWritingAtPath: errPath)
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        process.waitUntilExit()
        return ProcessOutput(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    /// `run` on a thread of its own, outside Swift's cooperative pool: waiting for a process there must not
    /// starve an in-process daemon the process talks to (on 2 cores the pool has 2 threads).
    public static func runOffPool(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], inherit: Bool = true,
        input: String? = nil, directory: String? = nil, timeout: Int? = nil
    ) async throws -> ProcessOutput {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try run(executable, arguments, environment: environment, inherit: inherit, input: input,
                            directory: directory, timeout: timeout)
                })
            }
        }
    }
}

/// The package's built executables (`clusterd`, `clusterctl`, `pbs-emu`), next to the running test bundle.
public enum BuiltProducts {
    /// The build products directory (`.build/debug`): the first directory above the test bundle that holds
    /// `clusterd`.
    public static let directory: URL = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("clusterd").path) {
                return url
            }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }()

    /// The path of the built executable `name`.
    public static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }
}
