/// How the reconciler keeps one role alive: restart policy, backoff, start limit and walltime renewal.
///
/// All durations are in seconds. The configuration layer maps its own types onto this.
public struct RoleSpec: Sendable, Equatable, Codable {
    /// When a job that ended on its own (not deleted by clusterd) is replaced.
    public enum RestartPolicy: String, Sendable, Equatable, Codable, CaseIterable {
        /// Restart unless the job reached running and exited with status 0. An unknown exit status (Slurm
        /// wrappers, vanished jobs, jobs deleted behind our back) counts as a failure, so does dying before running.
        case onFailure = "on-failure"
        /// Restart whenever the job ends.
        case always
        /// Never restart; the role is held as `exited` until a start/reset command.
        case never
    }

    /// Restart policy; default `.onFailure`.
    public var restart: RestartPolicy
    /// Delay before the first restart after a failure.
    public var backoffInitial: Double
    /// Upper bound of the doubling delay.
    public var backoffMax: Double
    /// Failed starts within `startLimitInterval` that put the role into `failed`.
    public var startLimitBurst: Int
    /// Window of the start limit, in seconds.
    public var startLimitInterval: Double
    /// A job that ran at least this long ended "stably": it resets the backoff and is not a failed start.
    /// Nil means `backoffMax`.
    public var stableAfter: Double?
    /// Requested walltime, used for renewal when qstat does not report `Resource_List.walltime`.
    public var walltime: Double?
    /// Start a replacement when a running job has less walltime left than this. Nil turns renewal off.
    public var renewBefore: Double?

    /// A role spec; the defaults suit a service kept alive on a batch system.
    public init(
        restart: RestartPolicy = .onFailure, backoffInitial: Double = 10, backoffMax: Double = 300,
        startLimitBurst: Int = 5, startLimitInterval: Double = 600, stableAfter: Double? = nil,
        walltime: Double? = nil, renewBefore: Double? = nil
    ) {
        self.restart = restart
        self.backoffInitial = backoffInitial
        self.backoffMax = backoffMax
        self.startLimitBurst = startLimitBurst
        self.startLimitInterval = startLimitInterval
        self.stableAfter = stableAfter
        self.walltime = walltime
        self.renewBefore = renewBefore
    }

    /// The run time after which a job counts as stable.
    public var effectiveStableAfter: Double { stableAfter ?? backoffMax }

    /// The delay before restart number `step` (1-based) of a failure streak: initial, 2×, 4×, … capped at max.
    public func backoffDelay(step: Int) -> Double {
        let exponent = min(max(step - 1, 0), 40)
        var delay = backoffInitial
        for _ in 0..<exponent where delay < backoffMax {
            delay *= 2
        }
        return min(delay, backoffMax)
    }
}
