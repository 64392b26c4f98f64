/// The scheduler's view of one job, normalized across OpenPBS, Torque and Slurm's PBS wrappers.
public struct PBSJob: Sendable, Equatable, Codable {
    /// The job id exactly as the server prints it (`4.server`, `6[].server`, `1234`).
    public var id: String
    /// `Job_Name`.
    public var name: String?
    /// The user name from `Job_Owner`, without its `@host`.
    public var owner: String?
    /// The queue (Slurm: the partition).
    public var queue: String?
    public var state: PBSJobState
    /// The state letter as the server printed it (`R`, `Q`, `F`, `C`, ...).
    public var rawState: String
    /// OpenPBS substate (`42` running, `22` waiting on a dependency, `91`-`93` finished); nil elsewhere.
    public var substate: Int?
    /// Exit status; nil when the server printed none (running, or deleted before it ran).
    public var exitStatus: Int?
    /// Execution hosts, first host first, without the `/cpu` suffixes.
    public var execHosts: [String]
    /// Requested walltime in seconds.
    public var walltimeRequested: Int?
    /// Used walltime in seconds.
    public var walltimeUsed: Int?
    /// Submit, start and end times as seconds since the epoch, where the server gave them.
    public var submitTime: Int?
    public var startTime: Int?
    public var endTime: Int?
    /// The server's `comment` (why a job waits, where it ran, why it ended).
    public var comment: String?
    /// `Variable_List` as strings (never trusted as JSON numbers: `007` stays what the server printed).
    public var variables: [String: String]
    /// For array jobs: the parent's id for a subjob, or nil.
    public var arrayParent: String?
    /// True for an array parent (`6[].server`).
    public var isArrayParent: Bool
    /// For a subjob: its index in the array (`6[3].server` → 3).
    public var arrayIndex: Int?

    /// Creates a job; only the id and the state are required.
    public init(
        id: String, name: String? = nil, owner: String? = nil, queue: String? = nil,
        state: PBSJobState, rawState: String, substate: Int? = nil, exitStatus: Int? = nil,
        execHosts: [String] = [], walltimeRequested: Int? = nil, walltimeUsed: Int? = nil,
        submitTime: Int? = nil, startTime: Int? = nil, endTime: Int? = nil, comment: String? = nil,
        variables: [String: String] = [:], arrayParent: String? = nil, isArrayParent: Bool = false,
        arrayIndex: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.owner = owner
        self.queue = queue
        self.state = state
        self.rawState = rawState
        self.substate = substate
        self.exitStatus = exitStatus
        self.execHosts = execHosts
        self.walltimeRequested = walltimeRequested
        self.walltimeUsed = walltimeUsed
        self.submitTime = submitTime
        self.startTime = startTime
        self.endTime = endTime
        self.comment = comment
        self.variables = variables
        self.arrayParent = arrayParent
        self.isArrayParent = isArrayParent
        self.arrayIndex = arrayIndex
    }
}

/// Normalized job state. "Pending is not running": queued, held and waiting are kept apart from running.
public enum PBSJobState: String, Sendable, Codable, CaseIterable {
    case queued, held, waiting, running, exiting, suspended, finished

    /// True once the job can never run again.
    public var isTerminal: Bool { self == .finished }
}

/// The output dialects clusterd understands.
public enum PBSDialect: String, Sendable, Codable, CaseIterable {
    /// OpenPBS / PBS Pro: `qstat -f -F json`, `-f` text, history with `-x`.
    case openpbs
    /// Torque: `qstat -x` is XML; completed jobs (C) vanish after keep_completed.
    case torque
    /// Slurm's slurm-wlm-torque wrappers: Torque-like `-f` text, no JSON, no history.
    case slurmWrapper = "slurm-wrapper"
}
