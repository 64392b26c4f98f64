/// What the reconciler is asked to keep running for one cluster. The configuration is mapped onto this.
public struct ClusterSpec: Sendable, Equatable, Codable {
    /// The most engine jobs a cluster may ask for (configuration, `scale`, a saved state): a typo such as
    /// `scale 1000000000` must not make the daemon plan a billion submissions.
    public static let maximumEngineCount = 10_000

    /// The cluster's name: its identity in job names (`cd-<name>-<role>`) and in `CLUSTERD_CLUSTER`.
    public var name: String
    /// How many engine jobs to keep (a `scale` command overrides it until the configured value changes).
    public var engineCount: Int
    /// The controller role.
    public var controller: RoleSpec
    /// The engine role.
    public var engine: RoleSpec
    /// The notebook role; nil when no notebook job is configured.
    public var notebook: RoleSpec?
    /// Longest job name the scheduler takes: 15 on classic PBS, 236 on modern OpenPBS, Slurm much longer.
    public var jobNameLimit: Int
    /// The most submissions one reconciler call returns: a large `scale` or a restart after a crash fills up over
    /// several ticks instead of sending hundreds of qsubs at once.
    public var submitBurst: Int
    /// Submit engines with `depend=after:<controller>` as soon as the controller has a job id, instead of waiting
    /// for its address. Engine scripts must then wait for the handoff of their `CLUSTERD_GENERATION`.
    public var dependAfterSupported: Bool
    /// Re-issue `qdel` for a job clusterd deleted that is still alive after this many seconds.
    public var deleteRetryAfter: Double
    /// Seconds clients wait for the engines to register with a new controller during a planned change before they
    /// are moved anyway (`engines.register_wait`; the engine jobs keep their old engines that long plus two poll
    /// intervals, so clients moved at a tick do not wait on a controller without engines).
    public var switchTimeout: Double
    /// Seconds a running controller may go without reporting its address; then it is deleted and counts as a
    /// failed start (backoff, start limit). Nil waits forever.
    public var addressTimeout: Double?

    /// A cluster spec.
    public init(
        name: String, engineCount: Int = 1, controller: RoleSpec = RoleSpec(), engine: RoleSpec = RoleSpec(),
        notebook: RoleSpec? = nil, jobNameLimit: Int = 236, submitBurst: Int = 8, dependAfterSupported: Bool = false,
        deleteRetryAfter: Double = 300, addressTimeout: Double? = 600, switchTimeout: Double = 120
    ) {
        self.switchTimeout = switchTimeout
        self.name = name
        self.engineCount = engineCount
        self.controller = controller
        self.engine = engine
        self.notebook = notebook
        self.jobNameLimit = jobNameLimit
        self.submitBurst = submitBurst
        self.dependAfterSupported = dependAfterSupported
        self.deleteRetryAfter = deleteRetryAfter
        self.addressTimeout = addressTimeout
    }

    /// The spec of `role`, nil for a role that is not configured (only the notebook can be absent).
    public func role(_ role: ClusterRole) -> RoleSpec? {
        switch role {
        case .controller: controller
        case .engine: engine
        case .notebook: notebook
        }
    }

    /// The job name (`-N`) for `role`: `cd-<cluster>-<role>`; when that exceeds `jobNameLimit`, the cluster
    /// name is cut and the role shortened (`cd-<clus>-ctl`), so the role stays recognisable for adoption.
    public func jobName(for role: ClusterRole) -> String {
        let full = "cd-\(name)-\(role.rawValue)"
        if full.count <= jobNameLimit { return full }
        let room = jobNameLimit - "cd-".count - "-".count - role.shortName.count
        if room >= 1 { return "cd-\(name.prefix(room))-\(role.shortName)" }
        return String("cd-\(name)-\(role.shortName)".prefix(max(jobNameLimit, 1)))
    }
}
