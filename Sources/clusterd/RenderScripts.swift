import ClusterConfiguration
import POSIXSupport
import ArgumentParser
import ClusterCLI
import ClusterCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct RenderScripts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-scripts",
        abstract: "Print the job scripts clusterd would submit for a cluster.",
        discussion: "Scripts come from the built-in templates, or from the files named by `script = ...` in each "
            + "role's configuration. Values inserted into {{placeholders}} are quoted for the shell."
    )

    @OptionGroup var options: ConfigOption

    @Argument(help: "The cluster (default: the only one, or \"default\").")
    var cluster: String?

    @Option(help: "Only this role: controller, engines or notebook.")
    var role: ClusterRole?

    func run() throws {
        let config = try options.load()
        let chosen = try ClusterChoice.pick(cluster, in: config)
        let renderer = ScriptRenderer(
            cluster: chosen, paths: ClusterPaths(stateDir: config.daemon.stateDir, cluster: chosen.name),
            socketPath: config.daemon.socketPath, daemonPollInterval: config.daemon.pollInterval)
        for role in role.map({ [$0] }) ?? ClusterRole.allCases {
            let script: String
            do {
                script = try renderer.render(role, template: try TemplateFile.load(for: role, of: chosen))
            } catch {
                Console.error("\(error)")
                throw ExitCode.failure
            }
            print("# ===== \(chosen.name) \(role.rawValue) =====")
            print(script)
        }
    }
}

extension ClusterRole: ExpressibleByArgument {
    /// Accepts the role names and the plural "engines" used in the configuration.
    public init?(argument: String) {
        self.init(rawValue: argument == "engines" ? "engine" : argument)
    }
}
