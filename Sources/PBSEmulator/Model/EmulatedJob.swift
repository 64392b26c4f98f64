/// Why a running job is being ended by the emulator rather than by its own exit.
public enum JobEndReason: Sendable, Equatable, Codable {
    /// `qdel` or `server stop`: SIGTERM, SIGKILL after the kill delay; Exit_status 271.
    case deleted
    /// The walltime limit passed: SIGTERM, SIGKILL after the kill delay; Exit_status -29.
    case walltime
    /// `pbs-emu kill`: SIGKILL at once; Exit_status as given.
    case system(exitStatus: Int)
}

/// A dependency from `-W depend=type:id[:id...]`.
public struct JobDependency: Sendable, Equatable, Codable {
    /// `after`, `afterok`, `afternotok` or `afterany`.
    public var type: String
    /// Sequence numbers of the jobs this one waits for.
    public var parents: [Int]
}

/// What the server learnt when a job's process was gone: kept while the job still shows R for the exit lag.
public struct ProcessEnd: Sendable, Equatable, Codable {
    /// When the process was reaped.
    public var at: Double
    /// The wait status as PBS reports it (exit code, 256+signal), nil when unknown.
    public var status: Int?
    public var cputSeconds: Int
    public var memKB: Int
}

/// One chunk of a `select` statement: `count` times `ncpus`/`mpiprocs`/`mem`.
public struct ResourceChunk: Sendable, Equatable, Codable {
    public var count: Int
    public var ncpus: Int
    public var mpiprocs: Int?
    public var mem: String?
}

/// Everything the emulator knows about one job; stored in the state file.
public struct EmulatedJob: Sendable, Equatable, Codable {
    public var seq: Int
    public var name: String
    public var user: String
    public var submitHost: String
    public var queue: String
    /// `Q`, `H`, `R`, `E` or `F`.
    public var state: String
    public var substate: Int
    public var holdTypes: String
    public var userHold: Bool
    public var ctime: Double
    public var qtime: Double
    public var mtime: Double
    public var etime: Double?
    public var stime: Double?
    public var obittime: Double?
    public var exitStatus: Int?
    /// The job's process id, which is also its session and process group id.
    public var sessionID: Int32?
    public var execHost: String?
    public var execVnode: String?
    public var comment: String?
    public var runCount: Int
    public var outputPath: String
    public var errorPath: String
    public var joinPath: String
    public var keepFiles: String
    public var mailPoints: String
    public var mailUsers: String?
    public var checkpoint: String
    public var rerunable: Bool
    public var priority: Int
    public var account: String?
    public var project: String
    /// `Resource_List`, sorted by name.
    public var resources: [NamedValue]
    public var chunks: [ResourceChunk]
    public var walltimeLimit: Int?
    /// `Variable_List` in server order.
    public var variables: [NamedValue]
    public var submitArguments: String
    public var workdir: String
    public var jobdir: String
    /// The program and arguments to run: the spooled script, or the command after `--`.
    public var command: [String]
    /// Whether `command[0]` must be run by `/bin/sh` (a script without `#!`).
    public var runWithShell: Bool
    public var dependencies: [JobDependency]
    public var endReason: JobEndReason?
    public var termSentAt: Double?
    public var killSent: Bool
    public var cputSeconds: Int
    public var memKB: Int
    public var usedWalltime: Int?
    /// CPU indexes used in `exec_host` (`vm/2`), one per chunk instance.
    public var cpuSlots: [Int]
    /// When the end of a running job began: the qdel, the walltime or kill decision, or its process's exit. The
    /// exit lag counts from here.
    public var endStartedAt: Double? = nil
    /// Set once the process is gone while the job still shows R (exit lag).
    public var processEnd: ProcessEnd? = nil

    /// Total ncpus requested.
    public var ncpus: Int { chunks.reduce(0) { $0 + $1.count * $1.ncpus } }

    /// True once the job is in history.
    public var isFinished: Bool { state == "F" }

    /// True while it holds a process (running or exiting).
    public var isRunning: Bool { state == "R" || state == "E" }

    /// True once a process was started for it.
    public var hasRun: Bool { runCount > 0 && stime != nil }
}
