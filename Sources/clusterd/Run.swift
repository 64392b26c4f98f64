import ArgumentParser
import ClusterCLI
import ClusterConfiguration
import ClusterDaemon
import Logging
import POSIXSupport

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: keep every configured cluster alive until SIGTERM.",
        discussion: "SIGHUP reloads the configuration. SIGTERM leaves the jobs running unless on_sigterm says "
            + "\"stop-jobs\"; the next start adopts them."
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: ArgumentHelp(
        "Where to log: auto, journal or console.",
        discussion: "auto: native journal entries when stderr is connected to the journal (systemd sets "
            + "JOURNAL_STREAM), else readable lines on stderr. Never both."))
    var logTarget: LogTarget = .auto

    func run() async throws {
        let config = try options.load()
        let (target, fallback) = logTarget.usable()
        let logger = target.makeLogger(label: "clusterd", level: logLevel)
        if let fallback { logger.warning("\(fallback)") }
        do {
            try await Daemon.run(config: config, configPath: config.path, logger: logger)
        } catch {
            // On the journal the reason goes there as a native entry, not as a stray line on stderr.
            if target == .journal { logger.critical("clusterd: \(error)") } else { Console.error("clusterd: \(error)") }
            throw ExitCode.failure
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

extension LogTarget: ExpressibleByArgument {}
