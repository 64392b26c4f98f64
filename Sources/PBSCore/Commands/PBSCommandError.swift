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

    /// True when the server refused the submission for a reason that retrying cannot fix: an unknown queue or
    /// resource, an illegal value, a request beyond the queue's limits, an unauthorized user. Such refusals count
    /// towards the start limit instead of being retried every backoff forever.
    ///
    /// OpenPBS exits with `pbs_errno & 0xff` (observed on 23.06: unknown queue 170, unknown resource 187,
    /// illegal walltime 166); Torque and Slurm's wrappers are recognised by their messages.
    public var isPermanentRejection: Bool {
        guard kind == .rejected else { return false }
        // PBSE_BADATVAL 15014, PBSE_UNKQUE 15018, PBSE_UNKRESC 15035, PBSE_EXCQRESC 15039, PBSE_PERM 15007.
        if let exitCode, [166, 170, 187, 191, 159].contains(exitCode) { return true }
        let text = (standardError + "\n" + standardOutput).lowercased()
        return Self.permanentMessages.contains { text.contains($0) }
    }

    /// Message fragments of refusals that do not go away by themselves (OpenPBS, Torque, Slurm's sbatch).
    static let permanentMessages = [
        "unknown queue", "unknown resource", "illegal attribute or resource value", "exceeds queue resource limits",
        "bad uid for job execution", "invalid partition", "invalid account", "invalid qos",
        "requested node configuration is not available", "unauthorized request",
    ]
}
