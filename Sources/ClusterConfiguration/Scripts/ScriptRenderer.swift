import ClusterCore
/// Renders the job script of one role of a cluster from its configuration.
public struct ScriptRenderer: Sendable {
    public var cluster: ClusterConfig
    /// Directory the jobs write their reports into (controller address, notebook host and port).
    public var reportDir: String

    public init(cluster: ClusterConfig, reportDir: String) {
        self.cluster = cluster
        self.reportDir = reportDir
    }

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
        return [
            "cluster_name": q(cluster.name),
            "role": q(role.rawValue),
            "report_dir": q(reportDir),
            "workdir": q(cluster.workdir),
            "venv": q(cluster.venv ?? ""),
            "profile": q(cluster.profile),
            "environment": (ipython + env).joined(separator: "\n"),
            "interface": q(cluster.controller.interface ?? "auto"),
            "seed_ip_file": cluster.seedIPFile ? "yes" : "no",
            "controller_args": ShellQuote.words(cluster.controller.arguments),
            "handoff_file": q(cluster.handoffFile),
            "mpi_launcher": q(cluster.engines.mpiLauncher),
            "mpi_args": ShellQuote.words(cluster.engines.mpiArguments),
            "engine_args": ShellQuote.words(cluster.engines.arguments),
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
