/// A computed snapshot for `clusterctl status` and the API.
public struct ClusterStatus: Sendable, Equatable, Codable {
    /// The cluster's name.
    public var cluster: String
    /// True while qstat fails and job states are the last known ones.
    public var stale: Bool
    /// Since when qstat fails.
    public var staleSince: Timestamp?
    /// The last qstat failure.
    public var lastQueryFailure: String?
    /// The handoff as last written.
    public var handoff: Handoff?
    /// Controller, engine, notebook (only configured roles).
    public var roles: [RoleStatus]
}

/// One role's wanted and actual state.
public struct RoleStatus: Sendable, Equatable, Codable {
    /// The role.
    public var role: ClusterRole
    /// Running or stopped.
    public var desired: DesiredState
    /// Jobs wanted now.
    public var wantedJobs: Int
    /// Failed or exited hold, with its reason.
    public var hold: RoleHold?
    /// Next submission not before this time (only while in the future).
    public var backoffUntil: Timestamp?
    /// Restarts after jobs ended.
    public var restarts: Int
    /// Failed starts inside the start-limit window.
    public var recentFailedStarts: Int
    /// How the last job ended.
    public var lastExit: JobExit?
    /// Live jobs and pending submissions.
    public var jobs: [JobStatus]
}

/// One job as the API shows it.
public struct JobStatus: Sendable, Equatable, Codable {
    /// The intent id.
    public var intent: IntentID
    /// The scheduler's id; nil while `qsub` runs.
    public var jobID: String?
    /// Controller generation.
    public var generation: Int
    /// `submitting`, `submitted` (not yet listed), or the PBS state (`queued`, `held`, `running`, ...).
    public var state: String
    /// First execution host.
    public var host: String?
    /// When it started running.
    public var startedAt: Timestamp?
    /// Seconds of walltime left, when known.
    public var walltimeLeft: Double?
    /// Why clusterd is deleting it.
    public var retiring: RetireReason?
    /// The renewal replacing it.
    public var replacedBy: IntentID?
    /// Found at start-up rather than submitted by this state.
    public var adopted: Bool
}
