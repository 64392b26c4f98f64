import ArgumentParser
import POSIXSupport
import Synchronization

/// Where the commands of clusterd and clusterctl write: the standard streams, or a capture when a test runs a
/// command in process.
///
/// A task-local rather than a parameter: argument-parser builds the commands, so the only way in for a test is the
/// context the command runs in.
public struct CommandOutput: Sendable {
    /// Writes bytes to standard output; answers errno on failure, nil when every byte was written.
    public var standardOutput: @Sendable (UnsafeRawBufferPointer) -> Int32?
    /// Writes one message line (without its newline) to standard error.
    public var standardError: @Sendable (String) -> Void

    /// An output with the given sinks.
    public init(standardOutput: @escaping @Sendable (UnsafeRawBufferPointer) -> Int32?,
                standardError: @escaping @Sendable (String) -> Void) {
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// The process's standard output and standard error.
    public static let console = CommandOutput(
        standardOutput: { Console.writeAll($0, to: 1) },
        standardError: { Console.error($0) })

    /// The output of the command running in this task.
    @TaskLocal public static var current = console

    /// Writes `text` and a newline to standard output; errno on failure.
    @discardableResult
    public func line(_ text: String) -> Int32? {
        Array((text + "\n").utf8).withUnsafeBytes { standardOutput($0) }
    }

    /// Writes `bytes` to standard output; errno on failure.
    public func bytes(_ bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { standardOutput($0) }
    }
}

extension CommandOutput {
    /// What a command wrote, and its exit code.
    public struct Captured: Sendable {
        /// The exit code `ToolExit.run` answered.
        public var status: Int32
        /// Standard output as text.
        public var stdout: String
        /// Standard error, one message per line.
        public var stderr: String
    }

    /// Runs `Root`'s command line in this process as its executable would, with the output collected instead of
    /// printed: tests run commands this way without starting a process.
    public static func capture<Root: ParsableCommand>(_ root: Root.Type, _ arguments: [String]) async -> Captured {
        let stdout = Mutex<[UInt8]>([])
        let stderr = Mutex<[String]>([])
        let output = CommandOutput(
            standardOutput: { bytes in
                stdout.withLock { $0 += bytes }
                return nil
            },
            standardError: { line in stderr.withLock { $0.append(line) } })
        let status = await $current.withValue(output) { await ToolExit.run(root, arguments: arguments) }
        return Captured(status: status, stdout: String(decoding: stdout.withLock { $0 }, as: UTF8.self),
                        stderr: stderr.withLock { $0 }.joined(separator: "\n"))
    }
}
