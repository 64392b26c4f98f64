import Testing
import ClusterCore
import PBSCore

/// Test specs: two engines, backoff 10 → 80 s, start limit 3 in 300 s, stable after 80 s, address timeout 600 s.
func testSpec(
    engines: Int = 2, notebook: Bool = false, dependAfter: Bool = false, restart: RoleSpec.RestartPolicy = .onFailure,
    renewBefore: Double? = nil, jobNameLimit: Int = 236, addressTimeout: Double? = 600
) -> ClusterSpec {
    let role = RoleSpec(
        restart: restart, backoffInitial: 10, backoffMax: 80, startLimitBurst: 3, startLimitInterval: 300,
        renewBefore: renewBefore)
    return ClusterSpec(
        name: "astro", engineCount: engines, controller: role, engine: role, notebook: notebook ? role : nil,
        jobNameLimit: jobNameLimit, dependAfterSupported: dependAfter, deleteRetryAfter: 120,
        addressTimeout: addressTimeout)
}

/// A pure simulation of the supervisor around the reconciler: an in-memory PBS server, qsub that always
/// succeeds (unless turned off), qdel that ends jobs, and controllers that report an address when asked.
struct World {
    var reconciler: Reconciler
    var now = Timestamp(1_000_000)
    var server: [String: PBSJob] = [:]
    var nextNumber = 1
    var autoSubmit = true
    var autoDelete = true
    var autoAddress = true
    /// The handoff file accepts writes (false: every write fails, as on a full disk).
    var autoWrite = true
    /// Controllers write health reports: running engines register with the controller the handoff file sends
    /// them to (its engines part), one process per engine job.
    var autoHealth = true
    /// Controllers whose address file stays missing when asked.
    var silent: Set<String> = []
    /// Requested walltime given to every new job.
    var walltime: Int?
    /// Every action returned so far, in order.
    var log: [ReconcileAction] = []

    init(spec: ClusterSpec = testSpec(), state: ClusterState? = nil) {
        reconciler = Reconciler(spec: spec, state: state)
    }

    var state: ClusterState { reconciler.state }

    mutating func advance(_ seconds: Double) {
        now = now + seconds
    }

    /// A tick answered from `server`: ids it lacks are `.unknown`.
    @discardableResult
    mutating func tick() -> [ReconcileAction] {
        handle(reconciler.tick(.answered(observations()), now: now))
    }

    /// The server's answer for every id the reconciler asks about: ids it lacks are `.unknown`.
    func observations() -> [String: PBSJobObservation] {
        var observations: [String: PBSJobObservation] = [:]
        for id in reconciler.queryJobIDs {
            observations[id] = server[id].map { .found($0) } ?? .unknown
        }
        return observations
    }

    @discardableResult
    mutating func failedTick() -> [ReconcileAction] {
        handle(reconciler.tick(.failed(PBSQueryFailure(kind: .serverDown, message: "qstat exit 255")), now: now))
    }

    @discardableResult
    mutating func command(_ command: ControlCommand) -> [ReconcileAction] {
        handle(reconciler.command(command, now: now))
    }

    /// Performs what a supervisor would, recursively; returns every action seen.
    @discardableResult
    mutating func handle(_ actions: [ReconcileAction]) -> [ReconcileAction] {
        log += actions
        // A reconciler that keeps answering its own results with more work is a qsub/qdel storm: stop the test
        // with a readable failure instead of a stack overflow.
        if log.count > 5_000 {
            Issue.record("the reconciler never settles; last actions: \(log.suffix(6))")
            autoSubmit = false
            autoAddress = false
            return actions
        }
        var all = actions
        for action in actions {
            switch action {
            case .submit(let intent) where autoSubmit:
                let id = "\(nextNumber).server"
                nextNumber += 1
                server[id] = PBSJob(
                    id: id, name: intent.jobName, state: .queued, rawState: "Q", walltimeRequested: walltime,
                    submitTime: Int(now.seconds), variables: intent.variables)
                all += handle(reconciler.submitted(intent: intent.intent, jobID: id, now: now))
            case .delete(let ids, _) where autoDelete:
                for id in ids { end(id, exit: server[id]?.state == .running ? 271 : nil) }
            case .readControllerAddress(let id, _) where autoAddress:
                let endpoint = silent.contains(id) ? nil : endpoint(of: id)
                all += handle(reconciler.controllerAddress(jobID: id, endpoint: endpoint, now: now))
            case .readControllerHealth(let id) where autoHealth:
                all += handle(reconciler.controllerHealth(
                    jobID: id, registered: registered(with: id), reportedAt: now.seconds, now: now))
            case .readEngineReport(let id):
                all += handle(reconciler.engineReported(jobID: id, processes: 1, now: now))
            case .writeHandoff(let handoff):
                all += handle(autoWrite ? reconciler.handoffWritten(handoff, now: now)
                    : reconciler.handoffWriteFailed(handoff, error: "No space left on device", now: now))
            default:
                break
            }
        }
        return all
    }

    /// Engines registered with controller `id`: the running engine jobs, when the handoff file sends engines there.
    func registered(with id: String) -> Int {
        guard let disk = state.handoffOnDisk, !disk.stale, (disk.engines?.jobID ?? disk.jobID) == id else { return 0 }
        return state.jobs.filter { $0.role == .engine && $0.isRunning }.count
    }

    func address(of jobID: String) -> String { "10.0.\(jobID.prefix { $0 != "." }).1" }

    func endpoint(of jobID: String) -> ControllerEndpoint {
        ControllerEndpoint(address: address(of: jobID), engineFile: "/h/\(jobID)-engine.json",
                           clientFile: "/h/\(jobID)-client.json")
    }

    mutating func run(_ id: String, host: String = "node1") {
        server[id]?.state = .running
        server[id]?.rawState = "R"
        server[id]?.startTime = Int(now.seconds)
        server[id]?.execHosts = [host]
    }

    mutating func end(_ id: String, exit: Int?) {
        server[id]?.state = .finished
        server[id]?.rawState = "F"
        server[id]?.exitStatus = exit
        server[id]?.endTime = Int(now.seconds)
    }

    /// Live (not retiring) tracked jobs of `role`.
    func live(_ role: ClusterRole) -> [TrackedJob] {
        state.jobs.filter { $0.role == role && $0.retiring == nil }
    }

    func ids(_ role: ClusterRole) -> [String] { live(role).compactMap(\.jobID) }

    /// Controller running with its address in the handoff, engines running: the steady state.
    @discardableResult
    mutating func bringUp() -> [ReconcileAction] {
        var all = tick()
        for id in ids(.controller) { run(id) }
        advance(30)
        all += tick()
        for id in ids(.engine) + ids(.notebook) { run(id) }
        advance(30)
        all += tick()
        return all
    }
}

func submits(_ actions: [ReconcileAction]) -> [SubmitIntent] {
    actions.compactMap { if case .submit(let intent) = $0 { intent } else { nil } }
}

func deletes(_ actions: [ReconcileAction]) -> [String] {
    actions.flatMap { action -> [String] in if case .delete(let ids, _) = action { ids } else { [] } }
}

func deletes(_ actions: [ReconcileAction], reason: RetireReason) -> [String] {
    actions.flatMap { action -> [String] in
        if case .delete(let ids, let why) = action, why == reason { ids } else { [] }
    }
}

func events(_ actions: [ReconcileAction]) -> [ClusterEvent] {
    actions.compactMap { if case .emit(let event) = $0 { event } else { nil } }
}

func kinds(_ actions: [ReconcileAction]) -> [ClusterEvent.Kind] {
    events(actions).map(\.kind)
}

func addressReads(_ actions: [ReconcileAction]) -> [String] {
    actions.compactMap { if case .readControllerAddress(let id, _) = $0 { id } else { nil } }
}

func handoffWrites(_ actions: [ReconcileAction]) -> [Handoff] {
    actions.compactMap { if case .writeHandoff(let handoff) = $0 { handoff } else { nil } }
}

extension Reconciler {
    /// A report with only an address (nil: missing), connection files named after the job.
    mutating func controllerAddress(jobID: String, address: String?, now: Timestamp) -> [ReconcileAction] {
        controllerAddress(
            jobID: jobID,
            endpoint: address.map {
                ControllerEndpoint(address: $0, engineFile: "/h/\(jobID)-engine.json",
                                   clientFile: "/h/\(jobID)-client.json")
            },
            now: now)
    }
}

/// `actions` without the report reads every answered tick asks for (controller health, engine processes).
func decisions(_ actions: [ReconcileAction]) -> [ReconcileAction] {
    actions.filter {
        switch $0 {
        case .readControllerHealth, .readEngineReport: false
        default: true
        }
    }
}
