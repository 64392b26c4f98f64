import ClusterConfiguration
import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Logging
import PBSCore

/// `clusterd run`: the daemon's life from configuration to shutdown.
public enum Daemon {
    /// Runs until SIGTERM/SIGINT. SIGHUP reloads the configuration at `configPath`. `notifier` hears READY=1,
    /// STATUS=, WATCHDOG=1, RELOADING=1 and STOPPING=1 (sd_notify under systemd; a no-op without NOTIFY_SOCKET).
    public static func run(config: ClusterdConfig, configPath: String, logger: Logger,
                           notifier: any ServiceNotifier = SystemdNotifier()) async throws {
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
        let control = try await ControlServer.start(
            socketPath: config.daemon.socketPath,
            service: await ControlService(supervisor: supervisor, events: events, pbs: pbs, configPath: configPath,
                                          logger: logger),
            logger: logger)
        logger.notice("clusterd \(config.clusters.count) cluster(s), polling every \(config.daemon.pollInterval)s")

        let signals = SignalStream([SIGTERM, SIGINT, SIGHUP])
        // Start-up is complete (config loaded, state adopted): the one place READY=1 is sent. The control socket
        // must be bound above this line, so that `systemctl --user start` returns only once clusterctl can connect.
        notifier.ready(status: "started: \(config.clusters.count) cluster(s), first poll running")
        let loop = Task {
            await TickLoop(supervisor: supervisor, notifier: notifier,
                           intervalOverride: testPollInterval(environment, logger: logger),
                           clock: SystemClock()).run()
        }
        for await signal in signals.stream {
            if signal == SIGHUP {
                notifier.reloading()
                do {
                    let fresh = try ConfigLoader(environment: .current).load(path: configPath)
                    await supervisor.reload(fresh)
                    logger.notice("configuration reloaded from \(configPath)")
                } catch {
                    logger.error("configuration not reloaded, keeping the running one: \(error)")
                }
                notifier.ready(status: StatusLine.summary(await supervisor.status(), now: SystemClock().now()))
                continue
            }
            logger.notice("signal \(signal): stopping (\(config.daemon.onSIGTERM.rawValue))")
            break
        }
        notifier.stopping(status: "stopping (\(config.daemon.onSIGTERM.rawValue))")
        await control.shutdown()
        loop.cancel()
        _ = await loop.value
        if config.daemon.onSIGTERM == .stopJobs {
            // One qdel per cluster, each bounded by command_timeout.
            notifier.extendTimeout(.seconds((config.daemon.commandTimeout + 5) * max(1, config.clusters.count)))
            await supervisor.stopAll()
        }
        withExtendedLifetime(lock) {}
    }

    /// Test-only: `CLUSTERD_TEST_POLL_INTERVAL_MS` replaces `poll_interval` (whose 10 s floor protects real PBS
    /// servers) so tests against pbs-emu can tick quickly.
    static func testPollInterval(_ environment: [String: String], logger: Logger) -> Duration? {
        guard let text = environment["CLUSTERD_TEST_POLL_INTERVAL_MS"], let millis = Int(text), millis > 0 else {
            return nil
        }
        logger.warning("CLUSTERD_TEST_POLL_INTERVAL_MS=\(millis): polling every \(millis) ms (test-only setting)")
        return .milliseconds(millis)
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
