/// Counters kept by `PBSCommandClient` for the supervisor's metrics.
public struct PBSClientStats: Sendable, Equatable {
    /// qstat processes started (queries, listings and the version probe).
    public var qstatCalls = 0
    /// qstat calls whose result was a whole-query failure (or a failed probe).
    public var qstatFailures = 0
    /// `qstat --version` probes among `qstatCalls`.
    public var versionProbes = 0
    public var qsubCalls = 0
    public var qsubFailures = 0
    public var qdelCalls = 0
    /// qdel calls where at least one id got `.failed`.
    public var qdelFailures = 0
    /// `qselect -u` calls (the first half of a listing of the user's jobs) and those that failed.
    public var qselectCalls = 0
    public var qselectFailures = 0
    /// Wall time of the last qstat call.
    public var lastQstatDuration: Duration?
    /// Total wall time spent in qstat.
    public var totalQstatDuration: Duration = .zero

    /// Zeroed counters.
    public init() {}
}
