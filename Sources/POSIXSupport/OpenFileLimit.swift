#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`).
///
/// systemd starts user services with a soft limit of 1,024 and a far higher hard limit; select(2) is the only
/// reason for the low soft default, and nothing in clusterd uses it (NIO uses epoll). The control API bounds its
/// own connections; the higher limit keeps qstat, the state file and the logs working whatever else is open.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard limit, at most to `cap`; answers the limits before and after, or errno's
    /// text on failure. The cap keeps children (qsub, qstat) from inheriting a limit of a million descriptors,
    /// which tools that close every possible descriptor at start pay for.
    public static func raiseSoftLimitToHard(cap: UInt64 = 65_536)
        -> Result<(from: UInt64, to: UInt64), OpenFileLimitError> {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            return .failure(OpenFileLimitError(step: "getrlimit", code: errno))
        }
        let before = UInt64(limit.rlim_cur)
        let target = min(UInt64(limit.rlim_max), cap)
        guard before < target else { return .success((before, before)) }
        limit.rlim_cur = rlim_t(target)
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            return .failure(OpenFileLimitError(step: "setrlimit", code: errno))
        }
        return .success((before, UInt64(limit.rlim_cur)))
    }

    /// The soft limit now.
    public static var current: UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        return UInt64(limit.rlim_cur)
    }
}

/// The limit could not be read or raised.
public struct OpenFileLimitError: Error, Sendable, CustomStringConvertible {
    /// `getrlimit` or `setrlimit`.
    public var step: String
    /// errno.
    public var code: Int32

    public var description: String {
        "cannot raise the open-file limit (\(step) RLIMIT_NOFILE: \(String(cString: strerror(code)))); the daemon "
            + "keeps the current one"
    }
}
