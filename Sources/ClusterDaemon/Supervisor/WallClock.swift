import ClusterCore
import Glibc

/// The time source of the supervisor; tests inject their own.
public protocol WallClock: Sendable {
    /// Now, as seconds since the epoch.
    func now() -> Timestamp
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}

    public func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9)
    }
}
