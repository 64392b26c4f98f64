/// What the user wants of a role.
public enum DesiredState: String, Sendable, Equatable, Codable {
    /// Keep the role's jobs alive.
    case running
    /// No jobs, no restarts.
    case stopped
}

/// Why a role submits nothing although it is wanted running; cleared by a start, restart or reset command.
public struct RoleHold: Sendable, Equatable, Codable {
    /// The kind of hold.
    public enum Kind: String, Sendable, Equatable, Codable {
        /// The start limit was hit (crash loop).
        case failed
        /// The job ended and the restart policy says not to restart.
        case exited
    }

    /// The kind of hold.
    public var kind: Kind
    /// A sentence for users: what happened and what to do.
    public var reason: String
    /// When it began.
    public var since: Timestamp

    /// A hold.
    public init(kind: Kind, reason: String, since: Timestamp) {
        self.kind = kind
        self.reason = reason
        self.since = since
    }
}

/// How a job of the role last ended.
public struct JobExit: Sendable, Equatable, Codable {
    /// The job.
    public var jobID: String?
    /// Exit status when the server gave one.
    public var exitStatus: Int?
    /// How long it ran; nil when it never reached running.
    public var ranSeconds: Double?
    /// When clusterd learned it ended.
    public var at: Timestamp

    /// An exit record.
    public init(jobID: String?, exitStatus: Int?, ranSeconds: Double?, at: Timestamp) {
        self.jobID = jobID
        self.exitStatus = exitStatus
        self.ranSeconds = ranSeconds
        self.at = at
    }
}

/// Restart bookkeeping for one role.
public struct RoleState: Sendable, Equatable, Codable {
    /// Running or stopped, as commanded.
    public var desired: DesiredState
    /// Set when the role is failed (start limit) or exited (restart policy).
    public var hold: RoleHold?
    /// Restarts in the current failure streak; the next delay is `backoffDelay(step: backoffStep + 1)`.
    public var backoffStep: Int
    /// No submission for this role before this time.
    public var backoffUntil: Timestamp?
    /// Times of failed starts still inside the start-limit window.
    public var failedStarts: [Timestamp]
    /// Restarts scheduled after jobs ended (renewals and commands excluded).
    public var restarts: Int
    /// How the last job of the role ended.
    public var lastExit: JobExit?
    /// True between a restart decision and the submission it leads to.
    public var restartPending: Bool
    /// What the last refused qsub of this role printed, until a qsub succeeds.
    public var lastSubmitError: SubmitError?

    /// A role wanted running with clean counters.
    public init(desired: DesiredState = .running) {
        self.desired = desired
        self.hold = nil
        self.backoffStep = 0
        self.backoffUntil = nil
        self.failedStarts = []
        self.restarts = 0
        self.lastExit = nil
        self.restartPending = false
        self.lastSubmitError = nil
    }

    enum CodingKeys: String, CodingKey {
        case desired, hold, backoffStep, backoffUntil, failedStarts, restarts, lastExit, restartPending
        case lastSubmitError
    }

    /// Decodes saved bookkeeping; `lastSubmitError` is absent in states saved before it existed.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        desired = try c.decode(DesiredState.self, forKey: .desired)
        hold = try c.decodeIfPresent(RoleHold.self, forKey: .hold)
        backoffStep = try c.decode(Int.self, forKey: .backoffStep)
        backoffUntil = try c.decodeIfPresent(Timestamp.self, forKey: .backoffUntil)
        failedStarts = try c.decode([Timestamp].self, forKey: .failedStarts)
        restarts = try c.decode(Int.self, forKey: .restarts)
        lastExit = try c.decodeIfPresent(JobExit.self, forKey: .lastExit)
        restartPending = try c.decode(Bool.self, forKey: .restartPending)
        lastSubmitError = try c.decodeIfPresent(SubmitError.self, forKey: .lastSubmitError)
    }

    /// Forgets failures: hold, start-limit window and backoff.
    mutating func clearFailures() {
        hold = nil
        backoffStep = 0
        backoffUntil = nil
        failedStarts = []
        restartPending = false
    }
}

/// A qsub the server (or clusterd itself) refused.
public struct SubmitError: Sendable, Equatable, Codable {
    /// What qsub printed (or why clusterd did not run it).
    public var message: String
    /// True when retrying cannot help (unknown queue, unknown resource, illegal value): it counts towards the
    /// start limit.
    public var permanent: Bool
    /// When it happened.
    public var at: Timestamp

    /// A refused submission.
    public init(message: String, permanent: Bool, at: Timestamp) {
        self.message = message
        self.permanent = permanent
        self.at = at
    }
}
