/// What one qstat call told us about the jobs we asked for.
///
/// "Unknown is not dead": a failed query says nothing about any job, so it is its own case and never
/// carries per-job verdicts.
public enum PBSQueryResult: Sendable, Equatable {
    /// The server answered. Every asked-for id is in `jobs`.
    case answered([String: PBSJobObservation])
    /// The query failed as a whole (timeout, server down, garbage or truncated output).
    case failed(PBSQueryFailure)
}

/// The server's word on one job.
public enum PBSJobObservation: Sendable, Equatable {
    /// The server printed the job.
    case found(PBSJob)
    /// The server answered but does not know the id (exit 153, missing from an otherwise valid listing,
    /// or "Job has finished" without history). Whether that means dead is the caller's rule per dialect.
    case unknown
}

/// Why a whole query failed.
public struct PBSQueryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case timeout, serverDown, badOutput, commandFailed
    }
    public var kind: Kind
    /// One line for logs and events: what ran, what it printed.
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
