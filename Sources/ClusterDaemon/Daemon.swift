import ClusterConfiguration
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Logging
import POSIXSupport
import ServiceLifecycle
import UnixSignals

/// `clusterd run`: the daemon's life from configuration to shutdown.
public enum Daemon {
    /// Runs until SIGTERM/SIGINT; SIGHUP reloads the configuration at `configPath`. `notifier` hears READY=1,
    /// STATUS=, WATCHDOG=1, RELOADING=1 and STOPPING=1 (sd_notify under systemd; a no-op without NOTIFY_SOCKET).
    ///
    /// Start-up order: every "am I the only one" check comes before any PBS command. The state-directory lock,
    /// then the saved states, then the control socket (a live daemon there stops this one; `clusterctl` answers
    /// from here on), then READY=1. PBS is first asked by the first tick: dialect detection and the listing that
    /// adopts jobs from before are retried every tick until they succeed, so a PBS outage at start-up delays them
    /// without stopping the daemon.
    public static func run(config: ClusterdConfig, configPath: String, logger: Logger,
                           environment variables: [String: String] = ProcessInfo.processInfo.environment,
                           notifier: any ServiceNotifier = SystemdNotifier()) async throws {
        // Idle API connections must not starve qstat of descriptors (1024 is the usual soft limit).
        if case .failure(let error) = OpenFileLimit.raiseSoftLimitToHard() {
            logger.warning("cannot raise the open-file limit: \(error)")
        }
        let lock = try DaemonLock(path: config.daemon.stateDir + "/clusterd.lock")
        let pbs = PBSCommandClient(configuration: PBSCommandConfiguration(daemon: config.daemon))
        let events = EventLog(path: config.daemon.stateDir + "/events.log", logger: logger)
        let crashAfterQsub = variables["CLUSTERD_TEST_CRASH_POINT"] == "after-qsub"
        let supervisor = try Supervisor(
            config: config,
            environment: SupervisorEnvironment(pbs: pbs, events: events, logger: logger, afterQsub: { _, _ in
                // Test hook: die exactly between qsub and recording its id (kill -9 semantics).
                if crashAfterQsub { kill(getpid(), SIGKILL) }
            }),
            owner: UserName.current)
        let reload = ConfigurationReload(
            path: configPath, environment: .current, supervisor: supervisor, pbs: pbs, events: events,
            notifier: notifier, logger: logger)
        let control = try await ControlServer.start(
            socketPath: config.daemon.socketPath,
            service: await ControlService(supervisor: supervisor, events: events, pbs: pbs, reload: reload,
                                          logger: logger),
            logger: logger)
        logger.notice("clusterd \(config.clusters.count) cluster(s), polling every \(config.daemon.pollInterval)s")
        // The one place READY=1 is sent at start-up: lock held, states loaded, socket bound, so
        // `systemctl --user start` returns only once clusterctl can connect.
        notifier.ready(status: "started: \(config.clusters.count) cluster(s), first poll running")

        let ticks = TickService(supervisor: supervisor, notifier: notifier,
                                intervalOverride: testPollInterval(variables, logger: logger), clock: SystemClock())
        let hangups = ReloadOnHangup(reload: reload)
        var groupConfiguration = ServiceGroupConfiguration(
            // Shut down in reverse: stop taking SIGHUP, finish the tick in progress, then close the socket.
            services: [control, ticks, hangups], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A tick blocked in qsub/qstat gets this long to finish before it is cancelled (a cancelled tick acts on
        // nothing; an intent without its id is adopted at the next start).
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()

        let policy = await supervisor.daemonSettings.onSIGTERM
        logger.notice("stopped (\(policy.rawValue))")
        if policy == .stopJobs {
            // One qdel per cluster, each bounded by command_timeout.
            let settings = await supervisor.daemonSettings
            notifier.extendTimeout(.seconds((settings.commandTimeout + 5) * max(1, config.clusters.count)))
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

/// SIGHUP → the one reload path, until the daemon shuts down.
struct ReloadOnHangup: Service {
    let reload: ConfigurationReload

    func run() async {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            _ = await reload.run(trigger: "SIGHUP")
        }
    }
}
