import CSystemd
import Glibc

/// sd_notify through libsystemd. Without `NOTIFY_SOCKET` every call is a no-op (libsystemd returns 0).
public struct SystemdNotifier: ServiceNotifier {
    public let watchdogTimeout: Duration?

    /// Reads the watchdog settings (`WATCHDOG_USEC`, `WATCHDOG_PID`) through `sd_watchdog_enabled`.
    public init() {
        var micros: UInt64 = 0
        if sd_watchdog_enabled(0, &micros) > 0, micros > 0 {
            watchdogTimeout = .microseconds(Int64(clamping: micros))
        } else {
            watchdogTimeout = nil
        }
    }

    public func send(_ assignments: [String]) {
        _ = assignments.joined(separator: "\n").withCString { sd_notify(0, $0) }
    }
}
