import ClusterCore
import PBSCore

/// The whole configuration file: daemon settings and the named clusters it keeps alive.
public struct ClusterdConfig: Sendable, Equatable {
    /// The file it was read from (for messages).
    public var path: String
    public var daemon: DaemonSettings
    /// Clusters by name, sorted by name.
    public var clusters: [ClusterConfig]

    public init(path: String, daemon: DaemonSettings, clusters: [ClusterConfig]) {
        self.path = path
        self.daemon = daemon
        self.clusters = clusters
    }

    /// The cluster called `name`, if configured.
    public func cluster(named name: String) -> ClusterConfig? {
        clusters.first { $0.name == name }
    }
}

/// The `[daemon]` table.
public struct DaemonSettings: Sendable, Equatable {
    /// Seconds between two qstat calls. Never below `minimumPollInterval`: it protects the PBS server.
    public var pollInterval: Int
    /// Seconds a qsub/qstat/qdel may take before it is killed.
    public var commandTimeout: Int
    public var qstat: String
    public var qsub: String
    public var qdel: String
    /// `qselect`, for listing the user's jobs (OpenPBS, Torque).
    public var qselect: String
    /// Seconds between two listings of the user's jobs that look for own jobs nobody tracks.
    public var adoptInterval: Int
    /// The most qsubs one cluster runs per decision (a tick or a command); the rest follow at the next ticks.
    public var submitBurst: Int
    /// `auto` detects the dialect with `qstat --version` at start-up.
    public var dialect: PBSDialectSetting
    /// Whether the OpenPBS server keeps job history (`qstat -x`).
    public var history: Bool
    /// Longest job name the scheduler accepts (`-N`); names are shortened to fit.
    public var jobNameLimit: Int
    public var stateDir: String
    public var socketPath: String
    public var onSIGTERM: TerminationPolicy

    /// The floor for `poll_interval`, in seconds.
    public static let minimumPollInterval = 10
    /// `poll_interval` when the file does not set it.
    public static let defaultPollInterval = 30

    public init(
        pollInterval: Int, commandTimeout: Int, qstat: String, qsub: String, qdel: String, dialect: PBSDialectSetting,
        history: Bool, jobNameLimit: Int, stateDir: String, socketPath: String, onSIGTERM: TerminationPolicy,
        qselect: String = "qselect", adoptInterval: Int = 300, submitBurst: Int = 8
    ) {
        self.qselect = qselect
        self.adoptInterval = adoptInterval
        self.submitBurst = submitBurst
        self.pollInterval = pollInterval
        self.commandTimeout = commandTimeout
        self.qstat = qstat
        self.qsub = qsub
        self.qdel = qdel
        self.dialect = dialect
        self.history = history
        self.jobNameLimit = jobNameLimit
        self.stateDir = stateDir
        self.socketPath = socketPath
        self.onSIGTERM = onSIGTERM
    }
}

/// What happens to the jobs when the daemon gets SIGTERM.
public enum TerminationPolicy: String, Sendable, Equatable, CaseIterable {
    /// Leave every job running; the next daemon adopts them (default).
    case keepJobs = "keep-jobs"
    /// Delete every job the daemon owns before exiting.
    case stopJobs = "stop-jobs"
}

/// One `[clusters.<name>]` table: an ipyparallel controller, its MPI engines and an optional notebook.
public struct ClusterConfig: Sendable, Equatable {
    public var name: String
    /// The Python virtual environment activated in every job script; nil means none.
    public var venv: String?
    /// The ipyparallel profile (`--profile`).
    public var profile: String
    /// `IPYTHONDIR` for jobs; nil leaves the default (`~/.ipython`).
    public var ipythonDir: String?
    /// Directory the jobs `cd` into (PBS starts jobs in `$HOME`).
    public var workdir: String
    /// The stable handoff file engines and notebooks read: the current controller's address.
    public var handoffFile: String
    /// Also write the seed's `$HOME/$PBS_JOBID/ipcontroller_current_ip` from the controller job.
    public var seedIPFile: Bool
    /// Extra environment variables exported in every job script.
    public var environment: [String: String]
    public var controller: ControllerConfig
    public var engines: EnginesConfig
    public var notebook: NotebookConfig

    public init(
        name: String, venv: String?, profile: String, ipythonDir: String?, workdir: String, handoffFile: String,
        seedIPFile: Bool, environment: [String: String], controller: ControllerConfig, engines: EnginesConfig,
        notebook: NotebookConfig
    ) {
        self.name = name
        self.venv = venv
        self.profile = profile
        self.ipythonDir = ipythonDir
        self.workdir = workdir
        self.handoffFile = handoffFile
        self.seedIPFile = seedIPFile
        self.environment = environment
        self.controller = controller
        self.engines = engines
        self.notebook = notebook
    }
}

/// Settings every role (controller, engines, notebook) has.
public struct JobSettings: Sendable, Equatable {
    /// The PBS `select` statement (`1:ncpus=3:mpiprocs=3:mem=1gb`).
    public var select: String
    /// Requested walltime in seconds.
    public var walltime: Int
    public var queue: String?
    public var account: String?
    /// A user's own job-script template replacing the built-in one; nil uses the built-in.
    public var script: String?
    /// Start the replacement this many seconds before the walltime ends.
    public var renewBefore: Int
    public var restart: RestartSettings

    public init(
        select: String, walltime: Int, queue: String?, account: String?, script: String?, renewBefore: Int,
        restart: RestartSettings
    ) {
        self.select = select
        self.walltime = walltime
        self.queue = queue
        self.account = account
        self.script = script
        self.renewBefore = renewBefore
        self.restart = restart
    }
}

/// When and how fast a role's dead jobs are replaced.
public struct RestartSettings: Sendable, Equatable {
    public var policy: RoleSpec.RestartPolicy
    /// Seconds before the first retry; doubles after each failed start up to `maxBackoff`.
    public var initialBackoff: Int
    public var maxBackoff: Int
    /// `startLimitBurst` failed starts within `startLimitInterval` seconds put the role in `failed`.
    public var startLimitBurst: Int
    public var startLimitInterval: Int

    public init(policy: RoleSpec.RestartPolicy, initialBackoff: Int, maxBackoff: Int, startLimitBurst: Int,
                startLimitInterval: Int) {
        self.policy = policy
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.startLimitBurst = startLimitBurst
        self.startLimitInterval = startLimitInterval
    }
}

/// `[clusters.<name>.controller]`.
public struct ControllerConfig: Sendable, Equatable {
    public var job: JobSettings
    /// The node address ipcontroller binds to (`interface` or `address` in the file).
    public var address: AddressSelector
    /// Extra `ipcontroller` arguments.
    public var arguments: [String]
    /// Seconds a running controller may take to report its address before it is replaced; 0 waits forever.
    /// Also how long its health report may stand still.
    public var addressTimeout: Int

    public init(job: JobSettings, address: AddressSelector, arguments: [String], addressTimeout: Int = 600) {
        self.job = job
        self.address = address
        self.arguments = arguments
        self.addressTimeout = addressTimeout
    }
}

/// `[clusters.<name>.engines]`.
public struct EnginesConfig: Sendable, Equatable {
    public var job: JobSettings
    /// How many engine jobs to keep running.
    public var jobs: Int
    /// The MPI launcher (`mpirun`, `mpiexec`, `srun`).
    public var mpiLauncher: String
    public var mpiArguments: [String]
    /// Extra `ipengine` arguments.
    public var arguments: [String]
    /// Seconds an engine job waits without a usable controller before it exits and gives its allocation back.
    public var controllerWait: Int
    /// Seconds new engines get to register with a new controller. Clients of a planned renewal move to it once
    /// as many engines registered there as on the old one, or after this long at the latest.
    public var registerWait: Int

    public init(job: JobSettings, jobs: Int, mpiLauncher: String, mpiArguments: [String], arguments: [String],
                controllerWait: Int = 300, registerWait: Int = 120) {
        self.job = job
        self.jobs = jobs
        self.mpiLauncher = mpiLauncher
        self.mpiArguments = mpiArguments
        self.arguments = arguments
        self.controllerWait = controllerWait
        self.registerWait = registerWait
    }
}

/// `[clusters.<name>.notebook]`.
public struct NotebookConfig: Sendable, Equatable {
    public var job: JobSettings
    public var enabled: Bool
    /// The port Jupyter listens on; by default unique per user (derived from the UID).
    public var port: Int
    /// `jupyter <app>`: `notebook` or `lab`.
    public var app: String
    public var arguments: [String]
    /// The node address Jupyter binds to; by default the controller's rule.
    public var address: AddressSelector

    public init(job: JobSettings, enabled: Bool, port: Int, app: String, arguments: [String],
                address: AddressSelector = .auto) {
        self.job = job
        self.enabled = enabled
        self.port = port
        self.app = app
        self.arguments = arguments
        self.address = address
    }

    /// The default notebook port for a user: unique per UID, in 10000...59999.
    public static func defaultPort(uid: UInt32) -> Int {
        10_000 + Int(uid % 50_000)
    }
}
