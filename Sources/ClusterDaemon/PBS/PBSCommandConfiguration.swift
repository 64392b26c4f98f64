import ClusterConfiguration
import PBSCore

/// How `PBSCommandClient` runs the PBS programs.
public struct PBSCommandConfiguration: Sendable, Equatable {
    /// qstat: a path, or a name looked up in `PATH`.
    public var qstat: String
    /// qsub: a path, or a name looked up in `PATH`.
    public var qsub: String
    /// qdel: a path, or a name looked up in `PATH`.
    public var qdel: String
    /// qselect (OpenPBS, Torque): lists the user's job ids for adoption.
    public var qselect: String
    /// `auto` runs `qstat --version` once; the others force a dialect.
    public var dialect: PBSDialectSetting
    /// Per-command timeout; the process group is killed after it.
    public var timeout: Duration
    /// SIGTERM → SIGKILL delay on timeout.
    public var killGracePeriod: Duration
    /// Cap on qstat's standard output (bigger is a failed query, never a cut one).
    public var outputLimit: Int
    /// OpenPBS: ask with `-x` so finished jobs are reported with their exit status. Turn off for servers
    /// without `job_history_enable`; finished jobs are then `.unknown` ("Job has finished", exit 35).
    public var useHistory: Bool
    /// Extra environment for every command (e.g. `PBS_SERVER`).
    public var environment: [String: String]
    /// Working directory for qsub (the job's `PBS_O_WORKDIR`; Slurm jobs also start there). Nil: the daemon's.
    public var submitDirectory: String?

    /// Creates a configuration; defaults look the programs up in `PATH` and detect the dialect.
    public init(
        qstat: String = "qstat", qsub: String = "qsub", qdel: String = "qdel", qselect: String = "qselect",
        dialect: PBSDialectSetting = .auto,
        timeout: Duration = .seconds(60), killGracePeriod: Duration = .seconds(2), outputLimit: Int = 64 << 20,
        useHistory: Bool = true, environment: [String: String] = [:], submitDirectory: String? = nil
    ) {
        self.qstat = qstat
        self.qsub = qsub
        self.qdel = qdel
        self.qselect = qselect
        self.dialect = dialect
        self.timeout = timeout
        self.killGracePeriod = killGracePeriod
        self.outputLimit = outputLimit
        self.useHistory = useHistory
        self.environment = environment
        self.submitDirectory = submitDirectory
    }
}

extension PBSCommandConfiguration {
    /// The commands, dialect, timeout and history setting of the daemon's configuration.
    public init(daemon: DaemonSettings) {
        self.init(qstat: daemon.qstat, qsub: daemon.qsub, qdel: daemon.qdel, qselect: daemon.qselect,
                  dialect: daemon.dialect, timeout: .seconds(daemon.commandTimeout), useHistory: daemon.history)
    }
}
