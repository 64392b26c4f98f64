import ClusterAPI
import ClusterConfiguration
import ClusterCore
import Logging
import PBSCore
import POSIXSupport

/// What every cluster runtime shares with the supervisor: PBS, the clock, the event log, the logger.
public struct SupervisorEnvironment: Sendable {
    /// The batch system.
    public var pbs: any PBSClient
    /// Now, for every decision.
    public var clock: any WallClock
    /// Where events go.
    public var events: EventLog
    /// The daemon's logger.
    public var logger: Logger
    /// Test hook: called right after a qsub returned its id, before the id is recorded (a crash there is what
    /// adoption heals). The daemon passes `CLUSTERD_TEST_CRASH_POINT=after-qsub` through it.
    public var afterQsub: @Sendable (_ cluster: String, _ jobID: String) -> Void

    /// An environment.
    public init(pbs: any PBSClient, clock: any WallClock = SystemClock(), events: EventLog, logger: Logger,
                afterQsub: @escaping @Sendable (String, String) -> Void = { _, _ in }) {
        self.pbs = pbs
        self.clock = clock
        self.events = events
        self.logger = logger
        self.afterQsub = afterQsub
    }
}

/// One cluster's moving parts: its configuration, its reconciler, its files, and the one place where the
/// reconciler's actions are performed.
///
/// Contract (docs/reconciler.md): after every reconciler call the state is saved **before** any action of that
/// call is performed, and results are fed back in order, their own actions performed the same way. When the
/// state cannot be saved, no qsub runs: the submission is reported failed (it backs off and is tried again), so
/// no job can exist that a restart would not know about.
actor ClusterRuntime {
    let name: String
    private(set) var config: ClusterConfig
    private var reconciler: Reconciler
    let paths: ClusterPaths
    /// The daemon's control socket, for the job scripts' environment.
    private let socketPath: String
    /// The daemon's poll interval, for the engine scripts' bounds (see `ScriptRenderer.clientWait`).
    private var pollInterval: Int
    private let storage: any ClusterStateStorage
    private let environment: SupervisorEnvironment
    /// qsubs running right now (a listing taken meanwhile may show their jobs before their ids are recorded).
    private(set) var submitsInFlight = 0
    /// The last error saving the state, reported once until a save succeeds.
    private var saveError: String?

    /// A runtime for `config`, starting from what `storage` holds. Throws when the saved state is unusable.
    init(config: ClusterConfig, daemon: DaemonSettings, storage: any ClusterStateStorage,
         environment: SupervisorEnvironment) throws {
        self.name = config.name
        self.config = config
        self.paths = ClusterPaths(stateDir: daemon.stateDir, cluster: config.name)
        self.socketPath = daemon.socketPath
        self.pollInterval = daemon.pollInterval
        self.storage = storage
        self.environment = environment
        self.reconciler = Reconciler(spec: config.spec(daemon: daemon), state: try storage.load())
    }

    /// The job ids to ask qstat about.
    var queryJobIDs: [String] { reconciler.queryJobIDs }

    /// The reconciler's state (for tests and the API).
    var state: ClusterState { reconciler.state }

    /// The status view.
    func status() -> ClusterStatus {
        reconciler.status(now: environment.clock.now())
    }

    /// One poll's answer for this cluster's jobs.
    func tick(_ result: PBSQueryResult) async {
        await perform(reconciler.tick(result, now: now))
    }

    /// Start-up adoption from a listing of the user's jobs.
    func adopt(_ listing: [PBSJob]) async {
        await perform(reconciler.adopt(listing: listing, now: now))
    }

    /// A periodic look for own jobs nobody tracks (a qsub that returned after a crash, a job that came back).
    func sweep(_ listing: [PBSJob]) async {
        await perform(reconciler.sweep(listing: listing, now: now))
    }

    /// A lifecycle command.
    func command(_ command: ControlCommand) async {
        await perform(reconciler.command(command, now: now))
    }

    /// A new configuration for this cluster.
    func reload(_ config: ClusterConfig, daemon: DaemonSettings) async {
        self.config = config
        self.pollInterval = daemon.pollInterval
        await perform(reconciler.updateSpec(config.spec(daemon: daemon), now: now))
    }

    /// Removes the saved state (the cluster was removed from the configuration and has no job left).
    func discardState() {
        do {
            try storage.discard()
        } catch {
            logger.warning("cannot remove the state of removed cluster \(name): \(error)")
        }
    }

    private var now: Timestamp { environment.clock.now() }
    private var logger: Logger { environment.logger }

    // MARK: - Performing actions

    /// Saves the state, then performs `actions` in order; results go back to the reconciler and the actions
    /// they return are performed next (the state saved first again).
    func perform(_ actions: [ReconcileAction]) async {
        var saved = save()
        var queue = actions[...]
        while let action = queue.popFirst() {
            let followUp = await perform(action, stateSaved: saved)
            if !followUp.isEmpty {
                saved = save()
                queue = followUp[...] + queue
            }
        }
    }

    private func perform(_ action: ReconcileAction, stateSaved: Bool) async -> [ReconcileAction] {
        switch action {
        case .emit(let event):
            await environment.events.record(event)
            return []
        case .submit(let intent):
            guard stateSaved else {
                return reconciler.submitFailed(
                    intent: intent.intent,
                    error: "not submitted: the state cannot be saved (\(saveError ?? "?")), so a restart could not "
                        + "find the job", now: now)
            }
            return await submit(intent)
        case .delete(let ids, let reason):
            return await delete(ids, reason: reason)
        case .readControllerAddress(let jobID, _):
            return reconciler.controllerAddress(jobID: jobID, endpoint: readReport(jobID: jobID), now: now)
        case .readControllerHealth(let jobID):
            let health = readReport { try ControllerHealthReport.read(jobID: jobID, directory: paths.reportDir) }
            return reconciler.controllerHealth(jobID: jobID, registered: health?.registered,
                                               reportedAt: health?.time, now: now)
        case .readEngineReport(let jobID):
            let report = readReport { try EngineReport.read(jobID: jobID, directory: paths.reportDir) }
            return reconciler.engineReported(jobID: jobID, processes: report?.np, now: now)
        case .writeHandoff(let handoff):
            do {
                try JSONFile.handoff(config.handoffFile)
                    .write(HandoffDocument(cluster: name, handoff: handoff))
                return reconciler.handoffWritten(handoff, now: now)
            } catch {
                return reconciler.handoffWriteFailed(handoff, error: "\(error)", now: now)
            }
        }
    }

    private func submit(_ intent: SubmitIntent) async -> [ReconcileAction] {
        let job = config.job(for: intent.role)
        let scriptPath = "\(paths.scriptDir)/\(intent.role.rawValue)-\(intent.intent).sh"
        do {
            let renderer = ScriptRenderer(cluster: config, paths: paths, socketPath: socketPath,
                                          daemonPollInterval: pollInterval)
            let script = try renderer.render(intent.role, template: try TemplateFile.load(for: intent.role, of: config))
            try AtomicFile.write(script, to: scriptPath, mode: 0o700)
            try FileIO.makeDirectories(paths.logDir)
            try FileIO.makeDirectories(paths.reportDir)
        } catch {
            return reconciler.submitFailed(intent: intent.intent, error: "\(error)", now: now)
        }
        let request = SubmitRequest(
            script: .path(scriptPath), name: intent.jobName, resources: job.resources, variables: intent.variables,
            dependency: intent.dependAfter.map { SubmitRequest.Dependency(kind: .after, jobIDs: [$0]) },
            joinOutput: true, outputPath: "\(paths.logDir)/\(intent.role.rawValue)-\(intent.intent).log",
            queue: job.queue, account: job.account)
        submitsInFlight += 1
        defer { submitsInFlight -= 1 }
        do {
            let jobID = try await environment.pbs.submit(request)
            environment.afterQsub(name, jobID)
            return reconciler.submitted(intent: intent.intent, jobID: jobID, now: now)
        } catch {
            return reconciler.submitFailed(intent: intent.intent, error: error.message,
                                           permanent: error.isPermanentRejection, now: now)
        }
    }

    private func delete(_ ids: [String], reason: RetireReason) async -> [ReconcileAction] {
        let verdicts = await environment.pbs.delete(ids: ids)
        let failures = ids.compactMap { id -> (id: String, error: String)? in
            if case .failed(let error) = verdicts[id] { (id, "\(error)") } else { nil }
        }
        guard let first = failures.first else { return [] }
        logger.warning("qdel \(failures.map(\.id).joined(separator: " ")) (\(reason.rawValue)) failed")
        return reconciler.deleted(jobIDs: failures.map(\.id), error: first.error, now: now)
    }

    /// The controller's report, nil while it is missing (an unusable one is logged and treated as missing).
    private func readReport(jobID: String) -> ControllerEndpoint? {
        readReport { try ControllerReport.read(jobID: jobID, directory: paths.reportDir) }?.endpoint
    }

    /// A job's report, nil while it is missing; an unusable one is logged and treated as missing.
    private func readReport<Report>(_ read: () throws -> Report?) -> Report? {
        do {
            return try read()
        } catch {
            logger.warning("\(error)")
            return nil
        }
    }

    /// Saves the state; false (and one error in the log per distinct failure) when it cannot be saved.
    private func save() -> Bool {
        do {
            try storage.save(reconciler.state)
            if saveError != nil {
                logger.notice("the state of cluster \(name) is saved again")
                saveError = nil
            }
            return true
        } catch {
            let text = "\(error)"
            if saveError != text {
                logger.error("cannot save the state of cluster \(name): \(text); no qsub runs until it can be saved")
                saveError = text
            }
            return false
        }
    }
}
