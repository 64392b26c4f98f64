/// What running one external command produced: how it ended, what it printed, how long it took.
///
/// A plain value so that the PBS interpretation code can be tested without processes. The runner in
/// ClusterDaemon produces it; `QsubCommand`, `QstatCommand`, `QdelCommand` and `QstatVersionCommand`
/// interpret it.
public struct CommandOutcome: Sendable, Equatable {
    /// How the command ended.
    public enum Termination: Sendable, Equatable {
        /// The process exited with this code.
        case exited(Int32)
        /// The process was killed by this signal (not by the runner's timeout).
        case signaled(Int32)
        /// The runner killed the process group after the timeout; whatever it printed is discarded.
        case timedOut(Duration)
        /// The caller's task was cancelled (daemon shutdown); the process group was killed. As with a timeout,
        /// whatever the command was doing may or may not have happened.
        case cancelled
        /// Standard output or error went over the runner's cap; the process group was killed. Never a
        /// silently cut result.
        case outputTooLarge(stream: String, limit: Int)
        /// The process could not be started (executable not found, not executable, spawn error).
        case launchFailed(String)
    }

    /// The argv that ran, executable first (for messages).
    public var command: [String]
    public var termination: Termination
    public var standardOutput: [UInt8]
    public var standardError: [UInt8]
    /// Wall time from spawn to reap.
    public var duration: Duration

    /// Creates an outcome.
    public init(
        command: [String], termination: Termination, standardOutput: [UInt8] = [],
        standardError: [UInt8] = [], duration: Duration = .zero
    ) {
        self.command = command
        self.termination = termination
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.duration = duration
    }

    /// Shorthand for an exited process with text output (tests, fakes).
    public static func exited(
        _ code: Int32, stdout: String = "", stderr: String = "", command: [String] = []
    ) -> CommandOutcome {
        CommandOutcome(
            command: command, termination: .exited(code),
            standardOutput: Array(stdout.utf8), standardError: Array(stderr.utf8)
        )
    }

    /// The exit code, or nil when the process did not exit normally.
    public var exitCode: Int32? {
        if case .exited(let code) = termination { return code }
        return nil
    }

    /// Standard output decoded as UTF-8 (invalid bytes replaced).
    public var stdoutText: String { String(decoding: standardOutput, as: UTF8.self) }

    /// Standard error decoded as UTF-8 (invalid bytes replaced).
    public var stderrText: String { String(decoding: standardError, as: UTF8.self) }

    /// The command line as one readable string (arguments are not shell-quoted: it is for humans).
    public var commandDescription: String { command.joined(separator: " ") }

    /// One line for logs: the command, how it ended, and short excerpts of what it printed.
    public var summary: String {
        var parts = ["`\(commandDescription)` \(terminationDescription)"]
        let out = CommandText.excerpt(stdoutText)
        let err = CommandText.excerpt(stderrText)
        if !out.isEmpty { parts.append("stdout: \(out)") }
        if !err.isEmpty { parts.append("stderr: \(err)") }
        return parts.joined(separator: "; ")
    }

    /// "exited with code 3", "timed out after 10 s", ...
    public var terminationDescription: String {
        switch termination {
        case .exited(let code): return "exited with code \(code)"
        case .signaled(let signal): return "was killed by signal \(signal)"
        case .timedOut(let after): return "timed out after \(after) and was killed"
        case .cancelled: return "was cancelled and killed"
        case .outputTooLarge(let stream, let limit):
            return "printed more than \(limit) bytes on \(stream) and was killed"
        case .launchFailed(let reason): return "could not be started: \(reason)"
        }
    }
}
