/// Where clusterd keeps the files of one cluster inside the state directory.
public struct ClusterPaths: Sendable, Equatable {
    public var stateDir: String
    public var cluster: String

    public init(stateDir: String, cluster: String) {
        self.stateDir = stateDir
        self.cluster = cluster
    }

    /// `<state_dir>/<cluster>`.
    public var directory: String { stateDir + "/" + cluster }
    /// Reports written by jobs (controller address, notebook host and port).
    public var reportDir: String { directory + "/reports" }
    /// Rendered job scripts handed to qsub.
    public var scriptDir: String { directory + "/scripts" }
    /// Job output files (`-o`).
    public var logDir: String { directory + "/logs" }
    /// The reconciler's persisted state.
    public var stateFile: String { directory + "/state.json" }
}
