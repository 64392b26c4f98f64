import ClusterCore
/// Renders the job script of one role of a cluster from its configuration.
public struct ScriptRenderer: Sendable {
    public var cluster: ClusterConfig
    /// Where the cluster's files are: reports the jobs write, the engines' own logs.
    public var paths: ClusterPaths

    /// Seconds between two looks of an engine job at the handoff file (a `stat`; parsed only when it changed).
    public static let enginePollInterval = 5
    /// Seconds between two health reports of a controller.
    public static let healthInterval = 5

    /// The daemon's control socket, exported to jobs as `CLUSTERD_SOCKET` (the Python client asks the daemon why a
    /// controller is not ready, where the socket is reachable from the job's node); nil exports nothing.
    public var socketPath: String?
    /// The daemon's `poll_interval`: engine jobs keep their old engines until clients moved, at most
    /// `register_wait` plus two of them (the daemon moves clients at a tick).
    public var daemonPollInterval: Int

    public init(cluster: ClusterConfig, paths: ClusterPaths, socketPath: String? = nil, daemonPollInterval: Int) {
        self.cluster = cluster
        self.paths = paths
        self.socketPath = socketPath
        self.daemonPollInterval = daemonPollInterval
    }

    /// Seconds an engine job keeps its previous engines for clients that have not moved yet. The daemon moves the
    /// clients at its first tick after the new engines registered, or `register_wait` after the move began at the
    /// latest; until then the old engines must serve them.
    public var clientWait: Int { cluster.engines.registerWait + 2 * daemonPollInterval }

    /// The built-in template of `role`.
    public static func builtInTemplate(_ role: ClusterRole) -> ScriptTemplate {
        switch role {
        case .controller: ScriptTemplate(text: BuiltInTemplates.controller, origin: "built-in controller template")
        case .engine: ScriptTemplate(text: BuiltInTemplates.engines, origin: "built-in engines template")
        case .notebook: ScriptTemplate(text: BuiltInTemplates.notebook, origin: "built-in notebook template")
        }
    }

    /// The values every template may use, each already a quoted shell word.
    public func placeholders(for role: ClusterRole) -> [String: String] {
        let q = ShellQuote.word
        let env = cluster.environment.keys.sorted().map { "export \($0)=\(q(cluster.environment[$0]!))" }
        let ipython = cluster.ipythonDir.map { ["export IPYTHONDIR=\(q($0))"] } ?? []
        // The Python client in a notebook finds the handoff without the daemon's socket.
        let handoff = ["export CLUSTERD_HANDOFF=\(q(cluster.handoffFile))"]
            + (socketPath.map { ["export CLUSTERD_SOCKET=\(q($0))"] } ?? [])
        return [
            "cluster_name": q(cluster.name),
            "role": q(role.rawValue),
            "report_dir": q(paths.reportDir),
            "log_dir": q(paths.logDir),
            "workdir": q(cluster.workdir),
            "venv": q(cluster.venv ?? ""),
            "profile": q(cluster.profile),
            "environment": (ipython + handoff + env).joined(separator: "\n"),
            "address": q(cluster.controller.address.scriptWord),
            // The name templates written before `address` existed use.
            "interface": q(cluster.controller.address.scriptWord),
            "notebook_address": q(cluster.notebook.address.scriptWord),
            "seed_ip_file": cluster.seedIPFile ? "yes" : "no",
            "controller_args": ShellQuote.words(cluster.controller.arguments),
            "handoff_file": q(cluster.handoffFile),
            "mpi_launcher": q(cluster.engines.mpiLauncher),
            "mpi_args": ShellQuote.words(cluster.engines.mpiArguments),
            "engine_args": ShellQuote.words(cluster.engines.arguments),
            "controller_wait": String(cluster.engines.controllerWait),
            "register_wait": String(cluster.engines.registerWait),
            "client_wait": String(clientWait),
            "poll_interval": String(Self.enginePollInterval),
            "health_interval": String(Self.healthInterval),
            "health_py": BuiltInTemplates.healthSidecar,
            "port": String(cluster.notebook.port),
            "app": q(cluster.notebook.app),
            "notebook_args": ShellQuote.words(cluster.notebook.arguments),
        ]
    }

    /// Renders `role` with `template` (the built-in one when nil).
    public func render(_ role: ClusterRole, template: ScriptTemplate? = nil)
        throws(ScriptTemplate.UnknownPlaceholder) -> String
    {
        try (template ?? Self.builtInTemplate(role)).render(placeholders(for: role))
    }
}
