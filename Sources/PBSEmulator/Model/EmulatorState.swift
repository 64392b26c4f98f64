/// Run-time settings changed with `pbs-emu config`.
public struct EmulatorConfig: Sendable, Equatable, Codable {
    /// Minimum seconds a job stays queued before it may start.
    public var queueWait: Double = 0
    /// CPUs the emulated node has; 0 means unlimited.
    public var ncpus: Int = 0
    /// Seconds between SIGTERM and SIGKILL when a job is deleted or exceeds its walltime.
    public var killDelay: Double = 2

    public init() {}
}

/// Faults switched on with `pbs-emu fault`.
public struct FaultSettings: Sendable, Equatable, Codable {
    public var serverDown = false
    /// Seconds every command sleeps before answering.
    public var slow: Double = 0
    public var garbage = false
    public var truncate = false
    /// Sequence numbers hidden from every listing.
    public var vanished: [Int] = []
    /// How many of the next qsub calls fail.
    public var qsubFail = 0
    public var noHistory = false

    public init() {}
}

/// The whole persistent state of one emulated server (`$PBS_EMU_HOME/state.json`).
public struct EmulatorState: Sendable, Equatable, Codable {
    public var nextSeq = 1
    public var jobs: [EmulatedJob] = []
    public var config = EmulatorConfig()
    public var faults = FaultSettings()
    /// Calls per command name (`qstat`, `qsub`, ...).
    public var stats: [String: Int] = [:]

    public init() {}

    /// Index of the job with sequence number `seq`.
    public func index(of seq: Int) -> Int? {
        jobs.firstIndex { $0.seq == seq }
    }
}
