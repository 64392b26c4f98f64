#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's real-time clock (`CLOCK_REALTIME`) as seconds since the epoch, without Foundation.
public enum RealTimeClock {
    /// Now, in seconds since 1970-01-01T00:00:00Z.
    public static var secondsSinceEpoch: Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
