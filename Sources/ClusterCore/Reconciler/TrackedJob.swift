import PBSCore

/// One job the reconciler owns: from the recorded intent (before `qsub`) until the server says it ended.
public struct TrackedJob: Sendable, Equatable, Codable {
    /// The submission's identity, also in the job's `CLUSTERD_INTENT`.
    public var intent: IntentID
    /// Order of creation; larger is newer.
    public var sequence: Int
    /// What the job is.
    public var role: ClusterRole
    /// Controller generation: the controller's own, or the one an engine connects to (0 for notebooks).
    public var generation: Int
    /// The scheduler's id; nil while `qsub` has not returned.
    public var jobID: String?
    /// When the intent was recorded.
    public var intentAt: Timestamp
    /// When `qsub` returned the id (or the job was adopted).
    public var submittedAt: Timestamp?
    /// The latest live observation from qstat.
    public var last: PBSJob?
    /// When qstat first listed it.
    public var firstSeenAt: Timestamp?
    /// When it started running (the server's start time when given, else first observation as running).
    public var runningSince: Timestamp?
    /// Consecutive answers in which the server did not know a job it had never listed.
    public var unknownAnswers: Int
    /// Set once clusterd decided to delete it.
    public var retiring: RetireReason?
    /// When the last `qdel` was requested; nil means one is due.
    public var deleteRequestedAt: Timestamp?
    /// The intent of the job started early to replace this one before its walltime ends.
    public var replacedBy: IntentID?
    /// True when found in a listing at start-up rather than submitted by this state.
    public var adopted: Bool
    /// True once an "address not available" event was emitted for this controller (reported once).
    public var addressMissingReported: Bool
    /// A controller's last health report (engines registered with it); nil until its job writes one.
    public var health: ControllerHealth?
    /// An engine job's MPI processes, from its report; nil until it wrote one.
    public var processes: Int?

    /// A job record at the moment its intent is recorded.
    public init(intent: IntentID, sequence: Int, role: ClusterRole, generation: Int, intentAt: Timestamp) {
        self.intent = intent
        self.sequence = sequence
        self.role = role
        self.generation = generation
        self.jobID = nil
        self.intentAt = intentAt
        self.submittedAt = nil
        self.last = nil
        self.firstSeenAt = nil
        self.runningSince = nil
        self.unknownAnswers = 0
        self.retiring = nil
        self.deleteRequestedAt = nil
        self.replacedBy = nil
        self.adopted = false
        self.addressMissingReported = false
        self.health = nil
        self.processes = nil
    }

    /// True when the latest observation shows it running (suspended and exiting count as having run).
    public var isRunning: Bool { last?.state == .running }

    /// Counts towards the role's wanted number: not being deleted and not already replaced by a renewal.
    var isCounted: Bool { retiring == nil && replacedBy == nil }

    /// `job 12.server` or `intent i100-3` for messages.
    var label: String { jobID.map { "job \($0)" } ?? "intent \(intent)" }
}
