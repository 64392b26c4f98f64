import ArgumentParser
import ClusterCLI
import ClusterCore
import ClusterDaemon
import Logging

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: keep every configured cluster alive until SIGTERM.",
        discussion: "SIGHUP reloads the configuration. SIGTERM leaves the jobs running unless on_sigterm says "
            + "\"stop-jobs\"; the next start adopts them."
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let config = try options.load()
        var logger = Logger(label: "clusterd") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel
        do {
            try await Daemon.run(config: config, configPath: config.path, logger: logger)
        } catch {
            Console.error("clusterd: \(error)")
            throw ExitCode.failure
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
