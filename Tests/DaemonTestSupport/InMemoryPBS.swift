import ClusterCore
import ClusterDaemon
import PBSCore
import Synchronization

/// A PBS server in memory behind the daemon's `PBSClient`: qsub creates queued jobs, tests move them
/// (`run`, `finish`), qdel finishes them, and faults make every command fail or a listing lie.
///
/// It counts every command like the real client does, so tests can check "one qstat per tick".
public final class InMemoryPBS: PBSClient, Sendable {
    struct Server {
        var jobs: [String: PBSJob] = [:]
        var order: [String] = []
        var next = 1
        var down = false
        var qsubFailures = 0
        var stats = PBSClientStats()
        var submitted: [SubmitRequest] = []
        var onSubmit: (@Sendable (String) -> Void)?
        var queryDelay: Duration = .zero
    }

    private let server = Mutex(Server())
    /// The owner of every job.
    public let owner: String

    /// An empty server whose jobs belong to `owner`.
    public init(owner: String = "ada") {
        self.owner = owner
    }

    // MARK: - Faults and control

    /// Every command fails as if the server were down (qstat 255, qsub/qdel 162).
    public func setDown(_ down: Bool) {
        server.withLock { $0.down = down }
    }

    /// The next `count` qsubs are rejected.
    public func failNextSubmits(_ count: Int) {
        server.withLock { $0.qsubFailures = count }
    }

    /// Called with the new job's id inside qsub, after the job exists and before qsub returns (a crash there
    /// leaves a job whose id the daemon never recorded).
    public func onSubmit(_ hook: (@Sendable (String) -> Void)?) {
        server.withLock { $0.onSubmit = hook }
    }

    /// Every qstat takes this long (a slow server); a query cancelled meanwhile fails like the real client's.
    public func setQueryDelay(_ delay: Duration) {
        server.withLock { $0.queryDelay = delay }
    }

    /// Starts a queued job on `host`.
    public func run(_ id: String, at time: Int, host: String = "node1") {
        server.withLock {
            $0.jobs[id]?.state = .running
            $0.jobs[id]?.rawState = "R"
            $0.jobs[id]?.startTime = time
            $0.jobs[id]?.execHosts = [host]
        }
    }

    /// Ends a job with `exit`.
    public func finish(_ id: String, exit: Int?, at time: Int) {
        server.withLock { Self.finish(&$0, id, exit: exit, at: time) }
    }

    /// Adds a job as if someone (a qsub from before a crash) had submitted it.
    @discardableResult
    public func inject(name: String, variables: [String: String], state: PBSJobState = .running) -> String {
        server.withLock { server in
            let id = Self.newID(&server)
            server.jobs[id] = PBSJob(id: id, name: name, owner: owner, state: state, rawState: state.letter,
                                     variables: variables)
            return id
        }
    }

    /// Forgets a job entirely (the server answers "unknown").
    public func vanish(_ id: String) {
        server.withLock { $0.jobs[id] = nil }
    }

    /// Every job, in submission order.
    public var jobs: [PBSJob] {
        server.withLock { server in server.order.compactMap { server.jobs[$0] } }
    }

    /// Jobs not finished.
    public var liveJobs: [PBSJob] { jobs.filter { !$0.state.isTerminal } }

    /// Every qsub request, in order.
    public var submissions: [SubmitRequest] { server.withLock { $0.submitted } }

    // MARK: - PBSClient

    public func detectDialect() async throws(PBSCommandError) -> DialectDetection {
        DialectDetection(dialect: .openpbs, version: "in-memory", method: .configured, evidence: "test double")
    }

    public func submit(_ request: SubmitRequest) async throws(PBSCommandError) -> String {
        let (result, hook): (Result<String, PBSCommandError>, (@Sendable (String) -> Void)?) = server.withLock {
            server in
            server.stats.qsubCalls += 1
            if server.down {
                server.stats.qsubFailures += 1
                return (.failure(PBSCommandError(kind: .serverDown, message: "qsub: cannot connect to server")), nil)
            }
            if server.qsubFailures > 0 {
                server.qsubFailures -= 1
                server.stats.qsubFailures += 1
                return (.failure(PBSCommandError(kind: .rejected, message: "qsub: Unknown queue")), nil)
            }
            let id = Self.newID(&server)
            server.submitted.append(request)
            server.jobs[id] = PBSJob(id: id, name: request.name, owner: owner, state: .queued, rawState: "Q",
                                     variables: request.variables)
            return (.success(id), server.onSubmit)
        }
        if case .success(let id) = result { hook?(id) }
        return try result.get()
    }

    public func query(ids: [String]) async -> PBSQueryResult {
        let delay = server.withLock { $0.queryDelay }
        if delay > .zero {
            try? await Task.sleep(for: delay)
            if Task.isCancelled {
                return .failed(PBSQueryFailure(kind: .timeout, message: "`qstat -f -x` was cancelled"))
            }
        }
        return server.withLock { server in
            server.stats.qstatCalls += 1
            if server.down {
                server.stats.qstatFailures += 1
                return .failed(PBSQueryFailure(kind: .serverDown, message: "qstat: cannot connect to server"))
            }
            var answer: [String: PBSJobObservation] = [:]
            for id in ids { answer[id] = server.jobs[id].map { .found($0) } ?? .unknown }
            return .answered(answer)
        }
    }

    public func listOwn(user: String) async -> Result<[PBSJob], PBSQueryFailure> {
        server.withLock { server in
            server.stats.qselectCalls += 1
            if server.down {
                server.stats.qselectFailures += 1
                return .failure(PBSQueryFailure(kind: .serverDown, message: "qselect: cannot connect to server"))
            }
            server.stats.qstatCalls += 1
            return .success(server.order.compactMap { server.jobs[$0] }.filter {
                $0.owner == user && !$0.state.isTerminal
            })
        }
    }

    public func delete(ids: [String]) async -> [String: PBSDeleteVerdict] {
        server.withLock { server in
            server.stats.qdelCalls += 1
            var verdicts: [String: PBSDeleteVerdict] = [:]
            for id in ids {
                if server.down {
                    verdicts[id] = .failed(PBSCommandError(kind: .serverDown, message: "qdel: cannot connect"))
                } else if let job = server.jobs[id] {
                    verdicts[id] = job.state.isTerminal ? .alreadyFinished : .deleted
                    if !job.state.isTerminal {
                        Self.finish(&server, id, exit: job.state == .running ? 271 : nil, at: job.startTime ?? 0)
                    }
                } else {
                    verdicts[id] = .unknown
                }
            }
            if verdicts.values.contains(where: { if case .failed = $0 { true } else { false } }) {
                server.stats.qdelFailures += 1
            }
            return verdicts
        }
    }

    public func stats() async -> PBSClientStats {
        server.withLock { $0.stats }
    }

    private static func newID(_ server: inout Server) -> String {
        let id = "\(server.next).mem"
        server.next += 1
        server.order.append(id)
        return id
    }

    private static func finish(_ server: inout Server, _ id: String, exit: Int?, at time: Int) {
        server.jobs[id]?.state = .finished
        server.jobs[id]?.rawState = "F"
        server.jobs[id]?.exitStatus = exit
        server.jobs[id]?.endTime = time
    }
}

extension PBSJobState {
    /// The OpenPBS state letter.
    var letter: String {
        switch self {
        case .queued: "Q"
        case .running: "R"
        case .finished: "F"
        case .held: "H"
        default: "Q"
        }
    }
}
