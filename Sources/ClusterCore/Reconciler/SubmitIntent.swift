/// Everything the supervisor needs to run `qsub` for one job. Its intent is already recorded in the state the
/// supervisor persists before running `qsub`.
public struct SubmitIntent: Sendable, Equatable, Codable {
    /// Why the job is submitted.
    public enum Reason: String, Sendable, Equatable, Codable {
        /// The role needs a job (first start, start command, scale up, reload).
        case wanted
        /// A job ended and the restart policy replaces it.
        case restart
        /// A running job is close to its walltime.
        case renewal
    }

    /// The intent id, passed back in `submitted`/`submitFailed`.
    public var intent: IntentID
    /// Which script to render.
    public var role: ClusterRole
    /// Controller generation (controller: its own; engine: the controller it connects to; notebook: 0).
    public var generation: Int
    /// The `-N` job name, already trimmed to the scheduler's limit.
    public var jobName: String
    /// `-v` variables: `CLUSTERD_CLUSTER`, `CLUSTERD_ROLE`, `CLUSTERD_GENERATION`, `CLUSTERD_INTENT`.
    public var variables: [String: String]
    /// Controller job id for `-W depend=after:<id>`, when the spec allows it and the engine must wait for it.
    public var dependAfter: String?
    /// Why it is submitted.
    public var reason: Reason

    /// A submission.
    public init(
        intent: IntentID, role: ClusterRole, generation: Int, jobName: String, variables: [String: String],
        dependAfter: String?, reason: Reason
    ) {
        self.intent = intent
        self.role = role
        self.generation = generation
        self.jobName = jobName
        self.variables = variables
        self.dependAfter = dependAfter
        self.reason = reason
    }

    /// The variables sorted by name, for a deterministic `-v A=1,B=2`.
    public var sortedVariables: [(name: String, value: String)] {
        variables.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }
}

/// Names of the variables clusterd tags each job with.
public enum JobTag {
    /// The cluster name.
    public static let cluster = "CLUSTERD_CLUSTER"
    /// The role (`controller`, `engine`, `notebook`).
    public static let role = "CLUSTERD_ROLE"
    /// The controller generation.
    public static let generation = "CLUSTERD_GENERATION"
    /// The intent id.
    public static let intent = "CLUSTERD_INTENT"
}
