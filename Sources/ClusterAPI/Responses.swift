import ClusterCore

/// `GET /v1/health`.
public struct HealthResponse: Codable, Sendable, Equatable {
    /// Always "ok" when the daemon answers.
    public var status: String

    /// A health answer.
    public init(status: String = "ok") {
        self.status = status
    }
}

/// `GET /v1/status`: the daemon itself.
public struct DaemonStatus: Codable, Sendable, Equatable {
    /// clusterd's version.
    public var version: String
    /// The daemon's process id.
    public var pid: Int
    /// The host the daemon runs on.
    public var host: String
    /// When the daemon started (seconds since the epoch).
    public var startedAt: Timestamp
    /// Seconds since it started.
    public var uptimeSeconds: Double
    /// The PBS dialect detected at start-up (`openpbs`, `pbspro`, `torque`...); nil before detection.
    public var dialect: String?
    /// How the dialect was detected and on what evidence.
    public var dialectEvidence: String?
    /// When the last tick finished; nil before the first.
    public var lastTick: Timestamp?
    /// Ticks since start-up.
    public var ticks: Int
    /// The configured poll interval in seconds.
    public var pollInterval: Double
    /// True when no tick finished in 3 poll intervals, or any cluster's job states are the last known ones.
    public var stale: Bool
    /// The configuration file the daemon reads on reload.
    public var configPath: String
    /// The configured clusters.
    public var clusters: [String]

    /// A daemon status.
    public init(version: String, pid: Int, host: String, startedAt: Timestamp, uptimeSeconds: Double,
                dialect: String?, dialectEvidence: String?, lastTick: Timestamp?, ticks: Int, pollInterval: Double,
                stale: Bool, configPath: String, clusters: [String]) {
        self.version = version
        self.pid = pid
        self.host = host
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.dialect = dialect
        self.dialectEvidence = dialectEvidence
        self.lastTick = lastTick
        self.ticks = ticks
        self.pollInterval = pollInterval
        self.stale = stale
        self.configPath = configPath
        self.clusters = clusters
    }
}

/// `GET /v1/clusters`: every cluster in full, so `clusterctl status` needs one request.
public struct ClusterList: Codable, Sendable, Equatable {
    /// Sorted by name.
    public var clusters: [ClusterDetail]

    /// A list.
    public init(clusters: [ClusterDetail]) {
        self.clusters = clusters
    }
}

/// `GET /v1/clusters/{name}` and the answer to every command: the reconciler's status plus what the files say.
public struct ClusterDetail: Codable, Sendable, Equatable {
    /// The cluster's name.
    public var name: String
    /// Roles, jobs, holds, backoff, restarts, last exits (see `ClusterStatus`).
    public var status: ClusterStatus
    /// The handoff file's path.
    public var handoffFile: String
    /// The handoff file's contents; nil before the first controller reported.
    public var handoff: HandoffDocument?
    /// Where the PBS output of each job goes: `<logDir>/<role>-<intent>.log`.
    public var logDir: String
    /// The running notebook's connection details, when it reported them.
    public var notebook: NotebookConnection?

    /// A detail.
    public init(name: String, status: ClusterStatus, handoffFile: String, handoff: HandoffDocument?, logDir: String,
                notebook: NotebookConnection?) {
        self.name = name
        self.status = status
        self.handoffFile = handoffFile
        self.handoff = handoff
        self.logDir = logDir
        self.notebook = notebook
    }

    /// The PBS output file of one job (the supervisor passes it to `qsub -o`).
    public func logFile(role: ClusterRole, intent: IntentID) -> String {
        "\(logDir)/\(role.rawValue)-\(intent.rawValue).log"
    }
}

/// Where the notebook job listens, from its report and its log.
public struct NotebookConnection: Codable, Sendable, Equatable {
    /// The notebook's PBS job id.
    public var jobID: String
    /// The compute node's host name.
    public var host: String
    /// The address Jupyter listens on.
    public var address: String
    /// The port Jupyter listens on.
    public var port: Int
    /// The URL with its token, when Jupyter printed it to the job's log.
    public var url: String?

    /// A notebook connection.
    public init(jobID: String, host: String, address: String, port: Int, url: String?) {
        self.jobID = jobID
        self.host = host
        self.address = address
        self.port = port
        self.url = url
    }
}

/// `POST /v1/reload`.
public struct ReloadResponse: Codable, Sendable, Equatable {
    /// The configuration file read.
    public var configPath: String
    /// The clusters in it.
    public var clusters: [String]
    /// What changed and took effect, one line each ("poll_interval 30s → 60s", "cluster two added").
    public var changes: [String]
    /// What changed but takes effect only after `systemctl --user restart clusterd`, with the key's name.
    public var needsRestart: [String]

    /// A reload answer.
    public init(configPath: String, clusters: [String], changes: [String] = [], needsRestart: [String] = []) {
        self.configPath = configPath
        self.clusters = clusters
        self.changes = changes
        self.needsRestart = needsRestart
    }

    enum CodingKeys: String, CodingKey { case configPath, clusters, changes, needsRestart }

    /// Decodes an answer; a daemon from before `changes` existed sends none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        configPath = try c.decode(String.self, forKey: .configPath)
        clusters = try c.decode([String].self, forKey: .clusters)
        changes = try c.decodeIfPresent([String].self, forKey: .changes) ?? []
        needsRestart = try c.decodeIfPresent([String].self, forKey: .needsRestart) ?? []
    }
}
