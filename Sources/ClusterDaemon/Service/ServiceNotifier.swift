import Glibc

/// Tells the service manager about the daemon's life: ready, status, watchdog, reloading, stopping.
///
/// `SystemdNotifier` speaks the sd_notify protocol (a no-op without NOTIFY_SOCKET); tests record the messages.
public protocol ServiceNotifier: Sendable {
    /// How often the watchdog expects a `WATCHDOG=1` (the full timeout; ping at half of it), or nil when the
    /// service manager runs no watchdog.
    var watchdogTimeout: Duration? { get }

    /// Sends newline-joined `KEY=value` assignments in one message.
    func send(_ assignments: [String])
}

extension ServiceNotifier {
    /// Start-up is complete: configuration loaded, state adopted, control socket bound.
    public func ready(status: String? = nil) {
        send(["READY=1"] + (status.map { ["STATUS=\(Self.oneLine($0))"] } ?? []))
    }

    /// A one-line summary shown by `systemctl --user status`; with `watchdog`, in the same message as
    /// `WATCHDOG=1` (the tick loop made progress).
    public func status(_ text: String, watchdog: Bool = false) {
        send(["STATUS=\(Self.oneLine(text))"] + (watchdog ? ["WATCHDOG=1"] : []))
    }

    /// The tick loop made progress.
    public func watchdog() {
        send(["WATCHDOG=1"])
    }

    /// A configuration reload starts; `ready()` ends it.
    public func reloading() {
        send(["RELOADING=1", "MONOTONIC_USEC=\(Self.monotonicMicroseconds())"])
    }

    /// Shutdown starts.
    public func stopping(status: String? = nil) {
        send(["STOPPING=1"] + (status.map { ["STATUS=\(Self.oneLine($0))"] } ?? []))
    }

    /// Asks for `duration` more before the start/stop timeout fires (shutdown work that takes long).
    public func extendTimeout(_ duration: Duration) {
        let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        send(["EXTEND_TIMEOUT_USEC=\(micros)"])
    }

    /// CLOCK_MONOTONIC in microseconds, as RELOADING=1 wants it.
    static func monotonicMicroseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1_000
    }

    /// `text` with line breaks turned into spaces (a newline would end the assignment).
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
