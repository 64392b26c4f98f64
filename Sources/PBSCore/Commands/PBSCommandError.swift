/// Why a qsub, qdel or `qstat --version` call failed, with what ran and what it printed.
public struct PBSCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad reason, for decisions (retry later, give up, adopt by name).
    public enum Kind: String, Sendable, Equatable {
        /// The request was refused before running anything (bad characters, bad id).
        case invalidRequest
        /// The command could not be started.
        case launchFailed
        /// The command was killed after the timeout. For qsub the job may or may not exist.
        case timeout
        /// The client could not reach the server (OpenPBS 162/255/15010, Slurm "Unable to contact").
        case serverDown
        /// The server answered and refused (non-zero exit with an error message).
        case rejected
        /// Exit 0 but the output is not what the command prints on success.
        case badOutput
    }

    public var kind: Kind
    /// What went wrong, in one readable sentence.
    public var message: String
    /// The argv that ran (empty for `invalidRequest`).
    public var command: [String]
    /// The exit code, when the process exited.
    public var exitCode: Int32?
    public var standardOutput: String
    public var standardError: String

    /// Creates an error.
    public init(
        kind: Kind, message: String, command: [String] = [], exitCode: Int32? = nil,
        standardOutput: String = "", standardError: String = ""
    ) {
        self.kind = kind
        self.message = message
        self.command = command
        self.exitCode = exitCode
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Builds an error of `kind` from a command outcome, with `message` first and the outcome's summary after.
    public init(kind: Kind, message: String, outcome: CommandOutcome) {
        self.init(
            kind: kind, message: "\(message): \(outcome.summary)", command: outcome.command,
            exitCode: outcome.exitCode, standardOutput: outcome.stdoutText, standardError: outcome.stderrText
        )
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
