import ClusterCore
import Dispatch
import Foundation
import Logging
import PBSCore

/// `clusterd run`: the daemon's life from configuration to shutdown.
public enum Daemon {
    /// Runs until SIGTERM/SIGINT. SIGHUP reloads the configuration at `configPath`.
    public static func run(config: ClusterdConfig, configPath: String, logger: Logger) async throws {
        let lock = try DaemonLock(path: config.daemon.stateDir + "/clusterd.lock")
        let pbs = PBSCommandClient(configuration: PBSCommandConfiguration(
            qstat: config.daemon.qstat, qsub: config.daemon.qsub, qdel: config.daemon.qdel,
            dialect: config.daemon.dialect, timeout: .seconds(config.daemon.commandTimeout),
            useHistory: config.daemon.history))
        let events = EventLog(path: config.daemon.stateDir + "/events.log", logger: logger)
        let environment = ProcessInfo.processInfo.environment
        let supervisor = try Supervisor(config: config, pbs: pbs, events: events, logger: logger,
                                        crashPoint: environment["CLUSTERD_TEST_CRASH_POINT"])
        try await supervisor.start()
        logger.notice("clusterd \(config.clusters.count) cluster(s), polling every \(config.daemon.pollInterval)s")

        // Test-only: the end-to-end tests tick faster than the 10 s floor of poll_interval. Never set it in use.
        let testInterval = environment["CLUSTERD_TEST_POLL_INTERVAL_MS"].flatMap(Int.init).map {
            Duration.milliseconds(max($0, 100))
        }
        if let testInterval { logger.warning("CLUSTERD_TEST_POLL_INTERVAL_MS: polling every \(testInterval)") }
        let signals = SignalStream([SIGTERM, SIGINT, SIGHUP])
        let loop = Task { await supervisor.run(every: testInterval) }
        for await signal in signals.stream {
            if signal == SIGHUP {
                do {
                    let fresh = try ConfigLoader(environment: .current).load(path: configPath)
                    await supervisor.reload(fresh)
                    logger.notice("configuration reloaded from \(configPath)")
                } catch {
                    logger.error("configuration not reloaded, keeping the running one: \(error)")
                }
                continue
            }
            logger.notice("signal \(signal): stopping (\(config.daemon.onSIGTERM.rawValue))")
            break
        }
        loop.cancel()
        _ = await loop.value
        if config.daemon.onSIGTERM == .stopJobs { await supervisor.stopAll() }
        withExtendedLifetime(lock) {}
    }
}

/// Delivers Unix signals as an async stream (the signals are ignored for default delivery).
final class SignalStream {
    let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [Int32]) {
        var continuation: AsyncStream<Int32>.Continuation!
        stream = AsyncStream { continuation = $0 }
        let sink = continuation!
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { sink.yield(number) }
            source.resume()
            return source
        }
    }
}
