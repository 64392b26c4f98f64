import ClusterConfiguration
import ClusterCore
import ServiceLifecycle

/// The daemon's main loop as a service: tick, report `STATUS=` and `WATCHDOG=1`, sleep until the next poll.
///
/// The watchdog is fed only by this loop, never by a timer: after a completed tick, and from the loop's own sleep
/// between ticks (at half the watchdog timeout, so a poll interval longer than the watchdog does not get a
/// healthy daemon killed). A tick that hangs (qstat or qsub stuck) stops the pings, and systemd kills and
/// restarts the daemon once `WatchdogSec=` passes.
///
/// On a graceful shutdown (SIGTERM) the tick in progress finishes; the sleep ends at once. The service group
/// cancels a tick that outlasts its graceful-shutdown bound, and a cancelled tick acts on nothing.
struct TickService: Service {
    let supervisor: Supervisor
    let notifier: any ServiceNotifier
    /// Replaces `poll_interval` (test-only: `CLUSTERD_TEST_POLL_INTERVAL_MS`).
    let intervalOverride: Duration?
    let clock: any WallClock

    func run() async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await supervisor.tick()
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let summary = StatusLine.summary(await supervisor.status(), now: clock.now())
            notifier.status(summary, watchdog: notifier.watchdogTimeout != nil)
            let configured = Duration.seconds(await supervisor.pollInterval)
            await pause(intervalOverride ?? configured)
        }
        if Task.isShuttingDownGracefully {
            let policy = await supervisor.daemonSettings.onSIGTERM.rawValue
            notifier.stopping(status: "stopping (\(policy))")
        }
    }

    /// Sleeps `total`, feeding the watchdog at half its timeout while asleep; a graceful shutdown ends it.
    private func pause(_ total: Duration) async {
        let step = notifier.watchdogTimeout.map { $0 / 2 } ?? total
        var remaining = total
        while remaining > .zero, !Task.isShuttingDownGracefully, !Task.isCancelled {
            let chunk = min(step, remaining)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: chunk) }
            remaining -= chunk
            if remaining > .zero, !Task.isShuttingDownGracefully, notifier.watchdogTimeout != nil {
                notifier.watchdog()
            }
        }
    }
}
