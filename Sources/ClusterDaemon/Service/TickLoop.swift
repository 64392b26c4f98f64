
/// The daemon's main loop: tick, report `STATUS=` and `WATCHDOG=1`, sleep until the next poll.
///
/// The watchdog is fed only by this loop, never by a timer: after a completed tick, and from the loop's own sleep
/// between ticks (at half the watchdog timeout, so a poll interval longer than the watchdog does not get a
/// healthy daemon killed). A tick that hangs (qstat or qsub stuck) stops the pings, and systemd kills and
/// restarts the daemon once `WatchdogSec=` passes.
struct TickLoop: Sendable {
    let supervisor: Supervisor
    let notifier: any ServiceNotifier
    /// Replaces `poll_interval` (test-only: `CLUSTERD_TEST_POLL_INTERVAL_MS`).
    let intervalOverride: Duration?
    let clock: any WallClock

    /// Runs until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            await supervisor.tick()
            if Task.isCancelled { break }
            let summary = StatusLine.summary(await supervisor.status(), now: clock.now())
            notifier.status(summary, watchdog: notifier.watchdogTimeout != nil)
            let configured = Duration.seconds(await supervisor.pollInterval)
            await pause(intervalOverride ?? configured)
        }
    }

    /// Sleeps `total`, feeding the watchdog at half its timeout while asleep.
    private func pause(_ total: Duration) async {
        guard let timeout = notifier.watchdogTimeout else {
            try? await Task.sleep(for: total)
            return
        }
        let step = timeout / 2
        var remaining = total
        while remaining > .zero, !Task.isCancelled {
            let chunk = min(step, remaining)
            try? await Task.sleep(for: chunk)
            remaining -= chunk
            if remaining > .zero, !Task.isCancelled { notifier.watchdog() }
        }
    }
}
