import ClusterAPI
import ClusterConfiguration
import ClusterCore
import Glibc
import Logging
import PBSCore
import POSIXSupport

/// Runs the tick loop for every configured cluster: ONE qstat per tick for all of them, the pure reconciler
/// decides, this actor performs the actions (qsub, qdel, reports, handoff) and persists state before each effect.
public actor Supervisor {
    /// One cluster's moving parts.
    struct Runtime {
        var config: ClusterConfig
        var reconciler: Reconciler
        var paths: ClusterPaths
        var store: StateStore
        /// Controller reports read this generation, by job id (the handoff needs their engine file).
        var reports: [String: ControllerReport] = [:]
    }

    private var settings: DaemonSettings
    private var runtimes: [String: Runtime] = [:]
    private let pbs: any PBSClient
    private let clock: any WallClock
    private let events: EventLog
    private let logger: Logger
    private let crashPoint: String?
    /// When the last tick finished and whether its query failed.
    public private(set) var lastTick: Timestamp?
    public private(set) var ticks = 0
    public private(set) var dialect: DialectDetection?
    private var tickObservers: [@Sendable (TickTiming) -> Void] = []

    /// Loads every cluster's persisted state. Throws when a state file is corrupt.
    public init(config: ClusterdConfig, pbs: any PBSClient, clock: any WallClock = SystemClock(),
                events: EventLog, logger: Logger, crashPoint: String? = nil) throws {
        self.settings = config.daemon
        self.pbs = pbs
        self.clock = clock
        self.events = events
        self.logger = logger
        self.crashPoint = crashPoint
        for cluster in config.clusters {
            let paths = ClusterPaths(stateDir: config.daemon.stateDir, cluster: cluster.name)
            let store = StateStore(path: paths.stateFile)
            let reconciler = Reconciler(spec: cluster.spec(daemon: config.daemon), state: try store.load())
            runtimes[cluster.name] = Runtime(config: cluster, reconciler: reconciler, paths: paths, store: store)
        }
    }

    /// Start-up: learn the dialect, then adopt live jobs from ONE listing (including jobs submitted just before
    /// a crash whose ids were never recorded). When the listing fails, adoption waits for the next start-up and
    /// the known jobs are simply polled: nothing is submitted blind.
    public func start() async throws(PBSCommandError) {
        let detected = try await pbs.detectDialect()
        dialect = detected
        logger.notice("PBS dialect \(detected.dialect.rawValue) (\(detected.method.rawValue): \(detected.evidence))")
        switch await pbs.listAll(owner: nil) {
        case .success(let listing):
            for name in runtimes.keys.sorted() {
                let now = clock.now()
                let actions = runtimes[name]!.reconciler.adopt(listing: listing, now: now)
                await perform(actions, cluster: name)
            }
        case .failure(let failure):
            logger.warning("cannot list jobs for adoption (\(failure)); polling the known jobs only")
        }
    }

    /// One poll: one qstat for every job of every cluster, then reconcile each cluster.
    public func tick() async {
        let monotonic = ContinuousClock()
        let began = monotonic.now
        let ids = runtimes.keys.sorted().flatMap { runtimes[$0]!.reconciler.queryJobIDs }
        let result = await pbs.query(ids: ids)
        let queried = monotonic.now
        for name in runtimes.keys.sorted() {
            let mine = Set(runtimes[name]!.reconciler.queryJobIDs)
            let actions = runtimes[name]!.reconciler.tick(result.restricted(to: mine), now: clock.now())
            await perform(actions, cluster: name)
        }
        lastTick = clock.now()
        ticks += 1
        let timing = TickTiming(total: monotonic.now - began, query: queried - began)
        for observer in tickObservers { observer(timing) }
    }

    /// Calls `observer` after every tick with its timing (for the metrics).
    public func observeTicks(_ observer: @escaping @Sendable (TickTiming) -> Void) {
        tickObservers.append(observer)
    }

    /// The state directory in force.
    public var stateDir: String { settings.stateDir }

    /// The poll interval in force, in seconds.
    public var pollInterval: Int { settings.pollInterval }

    /// The configuration of every cluster in force, sorted by name.
    public func clusterConfigs() -> [ClusterConfig] {
        runtimes.keys.sorted().map { runtimes[$0]!.config }
    }

    /// A lifecycle command for one cluster; false when there is no such cluster.
    public func command(_ command: ControlCommand, cluster: String) async -> Bool {
        guard runtimes[cluster] != nil else { return false }
        let actions = runtimes[cluster]!.reconciler.command(command, now: clock.now())
        await perform(actions, cluster: cluster)
        return true
    }

    /// Applies a reloaded configuration: changed specs are handed to the reconcilers; running jobs stay.
    public func reload(_ config: ClusterdConfig) async {
        settings = config.daemon
        for cluster in config.clusters {
            guard runtimes[cluster.name] != nil else {
                logger.warning("cluster \(cluster.name) was added to the configuration; restart clusterd to run it")
                continue
            }
            runtimes[cluster.name]!.config = cluster
            let actions = runtimes[cluster.name]!.reconciler.updateSpec(cluster.spec(daemon: config.daemon),
                                                                       now: clock.now())
            await perform(actions, cluster: cluster.name)
        }
    }

    /// The events kept in memory, oldest first.
    public func recentEvents(cluster: String? = nil) async -> [ClusterEvent] {
        await events.recent(cluster: cluster)
    }

    /// Every cluster's status, sorted by name.
    public func status() -> [ClusterStatus] {
        let now = clock.now()
        return runtimes.keys.sorted().map { runtimes[$0]!.reconciler.status(now: now) }
    }

    /// Deletes every job (SIGTERM with `on_sigterm = "stop-jobs"`).
    public func stopAll() async {
        for name in runtimes.keys.sorted() { _ = await command(.stop(nil), cluster: name) }
    }

    // MARK: - Performing actions

    /// Persists the state, then performs `actions` in order, feeding results back to the reconciler (whose own
    /// follow-up actions are performed the same way, state persisted first).
    private func perform(_ actions: [ReconcileAction], cluster name: String) async {
        var queue = actions[...]
        persist(name)
        while let action = queue.popFirst() {
            let followUp = await perform(action, cluster: name)
            if !followUp.isEmpty {
                persist(name)
                queue = followUp[...] + queue
            }
        }
    }

    private func perform(_ action: ReconcileAction, cluster name: String) async -> [ReconcileAction] {
        switch action {
        case .emit(let event):
            await events.record(event)
            return []
        case .submit(let intent):
            return await submit(intent, cluster: name)
        case .delete(let ids, let reason):
            let verdicts = await pbs.delete(ids: ids)
            let failed = ids.filter { if case .failed = verdicts[$0] { true } else { false } }
            guard !failed.isEmpty else { return [] }
            let reasons = failed.compactMap { id -> String? in
                if case .failed(let error) = verdicts[id] { "\(error)" } else { nil }
            }
            logger.warning("qdel \(failed.joined(separator: " ")) (\(reason.rawValue)) failed")
            return runtimes[name]!.reconciler.deleted(jobIDs: failed, error: reasons.first ?? "qdel failed",
                                                      now: clock.now())
        case .readControllerAddress(let jobID, _):
            return readReport(jobID: jobID, cluster: name)
        case .writeHandoff(let handoff):
            writeHandoff(handoff, stale: false, cluster: name)
            return []
        case .invalidateHandoff(let handoff):
            writeHandoff(handoff, stale: true, cluster: name)
            return []
        }
    }

    private func submit(_ intent: SubmitIntent, cluster name: String) async -> [ReconcileAction] {
        let runtime = runtimes[name]!
        let job = runtime.config.job(for: intent.role)
        let scriptPath = "\(runtime.paths.scriptDir)/\(intent.role.rawValue)-\(intent.intent).sh"
        do {
            let renderer = ScriptRenderer(cluster: runtime.config, reportDir: runtime.paths.reportDir)
            let script = try renderer.render(intent.role,
                                             template: try TemplateFile.load(for: intent.role, of: runtime.config))
            try AtomicFile.write(script, to: scriptPath, mode: 0o700)
            try FileIO.makeDirectories(runtime.paths.logDir)
            try FileIO.makeDirectories(runtime.paths.reportDir)
        } catch {
            return runtimes[name]!.reconciler.submitFailed(intent: intent.intent, error: "\(error)", now: clock.now())
        }
        let request = SubmitRequest(
            script: .path(scriptPath), name: intent.jobName, resources: job.resources,
            variables: intent.variables,
            dependency: intent.dependAfter.map { SubmitRequest.Dependency(kind: .after, jobIDs: [$0]) },
            joinOutput: true, outputPath: "\(runtime.paths.logDir)/\(intent.role.rawValue)-\(intent.intent).log",
            queue: job.queue, account: job.account)
        do {
            let jobID = try await pbs.submit(request)
            if crashPoint == "after-qsub" {
                // Test hook: die exactly between qsub and recording its id (kill -9 semantics).
                kill(getpid(), SIGKILL)
            }
            return runtimes[name]!.reconciler.submitted(intent: intent.intent, jobID: jobID, now: clock.now())
        } catch {
            return runtimes[name]!.reconciler.submitFailed(intent: intent.intent, error: "\(error)", now: clock.now())
        }
    }

    private func readReport(jobID: String, cluster name: String) -> [ReconcileAction] {
        let directory = runtimes[name]!.paths.reportDir
        var address: String?
        do {
            if let report = try ControllerReport.read(jobID: jobID, directory: directory) {
                runtimes[name]!.reports[jobID] = report
                address = report.address
            }
        } catch {
            logger.warning("\(error)")
        }
        return runtimes[name]!.reconciler.controllerAddress(jobID: jobID, address: address, now: clock.now())
    }

    private func writeHandoff(_ handoff: Handoff, stale: Bool, cluster name: String) {
        let runtime = runtimes[name]!
        let report = runtime.reports[handoff.jobID]
        let document = HandoffDocument(
            cluster: name, address: handoff.address, controllerJob: handoff.jobID, generation: handoff.generation,
            engineFile: report?.engineFile ?? "", clientFile: report?.clientFile,
            writtenAt: Int(handoff.writtenAt.seconds), stale: stale)
        do {
            try HandoffFile(path: runtime.config.handoffFile).write(document)
        } catch {
            logger.error("cannot write the handoff file: \(error)")
        }
    }

    private func persist(_ name: String) {
        guard let runtime = runtimes[name] else { return }
        do {
            try runtime.store.save(runtime.reconciler.state)
        } catch {
            logger.error("cannot save the state of cluster \(name): \(error)")
        }
    }
}

extension PBSQueryResult {
    /// The part of this answer about `ids` (a failure stays a failure for everyone).
    func restricted(to ids: Set<String>) -> PBSQueryResult {
        switch self {
        case .failed: self
        case .answered(let all): .answered(all.filter { ids.contains($0.key) })
        }
    }
}
