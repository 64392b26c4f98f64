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
    /// The handoff as last decided.
    public var handoff: Handoff?
    /// True while the file does not hold `handoff` yet (a write is due or failed).
    public var handoffUnwritten: Bool
    /// Why the last write of the handoff file failed, until one succeeds.
    public var handoffWriteError: String?
    /// Controller, engine, notebook (only configured roles).
    public var roles: [RoleStatus]
    /// Engines registered with the clients' controller, from its health report; nil before one was read.
    public var engines: EngineRegistration?

    enum CodingKeys: String, CodingKey {
        case cluster, stale, staleSince, lastQueryFailure, handoff, handoffUnwritten, handoffWriteError, roles
        case engines
    }

    init(cluster: String, stale: Bool, staleSince: Timestamp?, lastQueryFailure: String?, handoff: Handoff?,
         handoffUnwritten: Bool, handoffWriteError: String?, roles: [RoleStatus], engines: EngineRegistration?) {
        self.engines = engines
        self.cluster = cluster
        self.stale = stale
        self.staleSince = staleSince
        self.lastQueryFailure = lastQueryFailure
        self.handoff = handoff
        self.handoffUnwritten = handoffUnwritten
        self.handoffWriteError = handoffWriteError
        self.roles = roles
    }

    /// Decodes a status; fields added later may be missing in the answer of an older daemon.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cluster = try c.decode(String.self, forKey: .cluster)
        stale = try c.decode(Bool.self, forKey: .stale)
        staleSince = try c.decodeIfPresent(Timestamp.self, forKey: .staleSince)
        lastQueryFailure = try c.decodeIfPresent(String.self, forKey: .lastQueryFailure)
        handoff = try c.decodeIfPresent(Handoff.self, forKey: .handoff)
        handoffUnwritten = try c.decodeIfPresent(Bool.self, forKey: .handoffUnwritten) ?? false
        handoffWriteError = try c.decodeIfPresent(String.self, forKey: .handoffWriteError)
        roles = try c.decode([RoleStatus].self, forKey: .roles)
        engines = try c.decodeIfPresent(EngineRegistration.self, forKey: .engines)
    }
}

/// How many engine processes are registered with the controller clients use, against how many were started.
public struct EngineRegistration: Sendable, Equatable, Codable {
    /// The controller clients use.
    public var controllerJob: String
    /// Engine processes registered with it, by its last health report.
    public var registered: Int
    /// Engine processes the running engine jobs started, from their reports; nil while one has not said.
    public var expected: Int?
    /// When the controller wrote the report (the job's clock), seconds since the epoch.
    public var reportedAt: Double
    /// During a planned controller change: the controller the engines move to, and how many registered there.
    public var movingTo: String?
    public var registeredAtTarget: Int?

    /// A registration summary.
    public init(controllerJob: String, registered: Int, expected: Int?, reportedAt: Double, movingTo: String? = nil,
                registeredAtTarget: Int? = nil) {
        self.controllerJob = controllerJob
        self.registered = registered
        self.expected = expected
        self.reportedAt = reportedAt
        self.movingTo = movingTo
        self.registeredAtTarget = registeredAtTarget
    }
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
    /// The last refused qsub, until one succeeds.
    public var lastSubmitError: SubmitError?
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
