import Foundation

/// A minimum queue wait for jobs whose `Job_Name` matches a glob (`pbs-emu config queue-wait 10m --name 'x*'`).
public struct NameQueueWait: Sendable, Equatable, Codable {
    /// An fnmatch(3) pattern matched against the whole job name.
    public var pattern: String
    public var seconds: Double

    public init(pattern: String, seconds: Double) {
        self.pattern = pattern
        self.seconds = seconds
    }
}

/// Run-time settings changed with `pbs-emu config`.
public struct EmulatorConfig: Sendable, Equatable, Codable {
    /// Minimum seconds a job stays queued before it may start, for jobs no name pattern matches.
    public var queueWait: Double = 0
    /// Per-name waits, in the order they were set; a matching pattern replaces `queueWait`.
    public var nameQueueWaits: [NameQueueWait] = []
    /// CPUs the emulated node has; 0 means unlimited.
    public var ncpus: Int = 0
    /// Seconds between SIGTERM and SIGKILL when a job is deleted or exceeds its walltime.
    public var killDelay: Double = 2
    /// Seconds a running job still shows R after its end began (qdel, walltime, kill or its own exit) before F.
    public var exitLag: Double = 0
    /// Seconds past the walltime limit before the limit is enforced.
    public var walltimeGrace: Double = 0
    /// Queues qsub accepts besides `workq`.
    public var queues: [String] = []
    /// Custom resources (a site's `resourcedef`) qsub accepts besides the built-in ones.
    public var resources: [String] = []

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case queueWait, nameQueueWaits, ncpus, killDelay, exitLag, walltimeGrace, queues, resources
    }

    /// Settings missing from a state file written by an older pbs-emu keep their defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        queueWait = try container.decodeIfPresent(Double.self, forKey: .queueWait) ?? 0
        nameQueueWaits = try container.decodeIfPresent([NameQueueWait].self, forKey: .nameQueueWaits) ?? []
        ncpus = try container.decodeIfPresent(Int.self, forKey: .ncpus) ?? 0
        killDelay = try container.decodeIfPresent(Double.self, forKey: .killDelay) ?? 2
        exitLag = try container.decodeIfPresent(Double.self, forKey: .exitLag) ?? 0
        walltimeGrace = try container.decodeIfPresent(Double.self, forKey: .walltimeGrace) ?? 0
        queues = try container.decodeIfPresent([String].self, forKey: .queues) ?? []
        resources = try container.decodeIfPresent([String].self, forKey: .resources) ?? []
    }

    /// The queue wait of a job called `name`: the longest wait among the patterns it matches, else `queueWait`.
    /// The flag says whether a pattern decided it.
    public func queueWait(forName name: String) -> (seconds: Double, byName: Bool) {
        let matching = nameQueueWaits.filter { fnmatch($0.pattern, name, 0) == 0 }.map(\.seconds)
        guard let longest = matching.max() else { return (queueWait, false) }
        return (longest, true)
    }

    /// Every queue qsub accepts: `workq`, then the configured ones.
    public var knownQueues: [String] { ["workq"] + queues.filter { $0 != "workq" } }
}

/// Faults switched on with `pbs-emu fault`.
public struct FaultSettings: Sendable, Equatable, Codable {
    public var serverDown = false
    /// Seconds every command sleeps before it reads or changes anything.
    public var slow: Double = 0
    public var garbage = false
    public var truncate = false
    /// Sequence numbers hidden from every listing.
    public var vanished: [Int] = []
    /// How many of the next qsub calls fail.
    public var qsubFail = 0
    public var noHistory = false
    /// Seconds qsub sleeps after the job exists and before it prints the id.
    public var qsubHang: Double = 0

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case serverDown, slow, garbage, truncate, vanished, qsubFail, noHistory, qsubHang
    }

    /// Faults missing from a state file written by an older pbs-emu are off.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        serverDown = try container.decodeIfPresent(Bool.self, forKey: .serverDown) ?? false
        slow = try container.decodeIfPresent(Double.self, forKey: .slow) ?? 0
        garbage = try container.decodeIfPresent(Bool.self, forKey: .garbage) ?? false
        truncate = try container.decodeIfPresent(Bool.self, forKey: .truncate) ?? false
        vanished = try container.decodeIfPresent([Int].self, forKey: .vanished) ?? []
        qsubFail = try container.decodeIfPresent(Int.self, forKey: .qsubFail) ?? 0
        noHistory = try container.decodeIfPresent(Bool.self, forKey: .noHistory) ?? false
        qsubHang = try container.decodeIfPresent(Double.self, forKey: .qsubHang) ?? 0
    }
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
