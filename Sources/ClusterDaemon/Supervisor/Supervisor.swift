import ClusterConfiguration
import ClusterCore
import Logging
import PBSCore

/// Keeps every configured cluster alive: ONE qstat per tick for all of them; each cluster's `ClusterRuntime`
/// lets its reconciler decide and performs the actions.
///
/// Nothing here is done "once at start-up" and then forgotten: the dialect is detected by the first qstat that
/// works, and the listing that adopts jobs from before a restart is retried every tick until it succeeds, then
/// repeated every `adoptInterval` to find own jobs nobody tracks (a qsub that returned after a crash, a job PBS
/// briefly did not know).
public actor Supervisor {
    private var settings: DaemonSettings
    /// Sorted by name.
    private var runtimes: [ClusterRuntime]
    private let environment: SupervisorEnvironment
    private let storage: @Sendable (_ cluster: String, _ path: String) -> any ClusterStateStorage
    /// The user whose jobs the listings look at.
    private let owner: String
    /// Clusters whose jobs from before the start (or before they were added) are not adopted yet.
    private var awaitingAdoption: Set<String>
    /// Clusters removed from the configuration: their jobs are being deleted; dropped once none is left.
    private var removing: Set<String> = []
    /// When own jobs were last listed successfully.
    private var lastListing: Timestamp?
    private var listingFailureReported = false
    /// When the last tick finished.
    public private(set) var lastTick: Timestamp?
    /// Ticks completed.
    public private(set) var ticks = 0
    /// The PBS dialect, once known.
    public private(set) var dialect: DialectDetection?
    private var tickObservers: [@Sendable (TickTiming) -> Void] = []

    /// Loads every cluster's saved state (throws when one is unusable). Runs no PBS command: that waits for the
    /// first tick, after the daemon made sure it is the only one (state lock, control socket).
    public init(
        config: ClusterdConfig, environment: SupervisorEnvironment, owner: String,
        storage: @escaping @Sendable (String, String) -> any ClusterStateStorage = {
            ClusterStateFile(path: $1, cluster: $0)
        }
    ) throws {
        self.settings = config.daemon
        self.environment = environment
        self.owner = owner
        self.storage = storage
        self.awaitingAdoption = Set(config.clusters.map(\.name))
        self.runtimes = try config.clusters.map {
            try Self.makeRuntime($0, daemon: config.daemon, storage: storage, environment: environment)
        }
    }

    private static func makeRuntime(
        _ cluster: ClusterConfig, daemon: DaemonSettings,
        storage: (String, String) -> any ClusterStateStorage, environment: SupervisorEnvironment
    ) throws -> ClusterRuntime {
        try ClusterRuntime(
            config: cluster, daemon: daemon,
            storage: storage(cluster.name, ClusterPaths(stateDir: daemon.stateDir, cluster: cluster.name).stateFile),
            environment: environment)
    }

    /// True while some cluster still waits for the listing that adopts its jobs from before the start.
    public var adoptionPending: Bool { !awaitingAdoption.isEmpty }

    /// One poll: adoption listing when due, ONE qstat for every job of every cluster, then each cluster's turn.
    /// A tick cancelled by shutdown stops without acting on the interrupted qstat (a shutdown is not an outage).
    public func tick() async {
        let monotonic = ContinuousClock()
        let began = monotonic.now
        await listOwnJobsIfDue()
        var ids: [String] = []
        for runtime in runtimes { ids += await runtime.queryJobIDs }
        let result = await environment.pbs.query(ids: ids)
        if Task.isCancelled { return }
        if dialect == nil, case .answered = result, let detected = try? await environment.pbs.detectDialect() {
            // Known by now (an answered qstat needed it): this asks no command.
            dialect = detected
            environment.logger.notice(
                "PBS dialect \(detected.dialect.rawValue) (\(detected.method.rawValue): \(detected.evidence))")
        }
        let queried = monotonic.now
        for runtime in runtimes {
            let mine = Set(await runtime.queryJobIDs)
            await runtime.tick(result.restricted(to: mine))
        }
        await dropRemovedClusters()
        lastTick = environment.clock.now()
        ticks += 1
        let timing = TickTiming(total: monotonic.now - began, query: queried - began)
        for observer in tickObservers { observer(timing) }
    }

    /// Lists the user's jobs when start-up adoption is still pending or the last listing is `adoptInterval` old.
    private func listOwnJobsIfDue() async {
        let now = environment.clock.now()
        if !adoptionPending, let last = lastListing, now - last < Double(settings.adoptInterval) { return }
        switch await environment.pbs.listOwn(user: owner) {
        case .success(let listing):
            if Task.isCancelled { return }
            lastListing = now
            listingFailureReported = false
            for runtime in runtimes {
                if awaitingAdoption.remove(runtime.name) != nil {
                    await runtime.adopt(listing)
                    environment.logger.notice(
                        "cluster \(runtime.name): jobs from before the start adopted (\(listing.count) job(s) listed)")
                } else {
                    await runtime.sweep(listing)
                }
            }
        case .failure(let failure):
            if Task.isCancelled { return }
            // Adoption is retried every tick; a failed sweep waits for the next interval (no extra PBS load while
            // the server is down).
            if !adoptionPending { lastListing = now }
            if listingFailureReported { return }
            listingFailureReported = true
            let what = adoptionPending ? "jobs from before the start cannot be adopted yet: retrying every tick"
                : "no sweep this time: retrying in \(HumanDuration.text(Double(settings.adoptInterval)))"
            environment.logger.warning("cannot list \(owner)'s jobs (\(failure)); \(what)")
        }
    }

    /// Calls `observer` after every tick with its timing (for the metrics).
    public func observeTicks(_ observer: @escaping @Sendable (TickTiming) -> Void) {
        tickObservers.append(observer)
    }

    /// The daemon settings in force.
    public var daemonSettings: DaemonSettings { settings }

    /// Now, by the supervisor's clock.
    public func now() -> Timestamp { environment.clock.now() }

    /// The state directory in force.
    public var stateDir: String { settings.stateDir }

    /// The poll interval in force, in seconds.
    public var pollInterval: Int { settings.pollInterval }

    /// The configuration of every cluster in force, sorted by name.
    public func clusterConfigs() async -> [ClusterConfig] {
        var configs: [ClusterConfig] = []
        for runtime in runtimes { configs.append(await runtime.config) }
        return configs
    }

    /// A lifecycle command for one cluster; false when there is no such cluster.
    public func command(_ command: ControlCommand, cluster: String) async -> Bool {
        guard let runtime = runtime(cluster) else { return false }
        await runtime.command(command)
        return true
    }

    /// Applies a reloaded configuration and says what changed. Daemon settings apply from the next tick (the
    /// caller reconfigures PBS); a changed cluster gets its new spec (running jobs stay; new jobs use the new
    /// settings); an added cluster starts (its jobs from before, if any, are adopted first); a removed cluster's
    /// jobs are deleted, and it is dropped once none is left.
    public func apply(_ config: ClusterdConfig) async -> [String] {
        var changes: [String] = []
        settings = config.daemon
        for cluster in config.clusters {
            guard let runtime = runtime(cluster.name) else {
                do {
                    let runtime = try Self.makeRuntime(
                        cluster, daemon: config.daemon, storage: storage, environment: environment)
                    runtimes.append(runtime)
                    runtimes.sort { $0.name < $1.name }
                    awaitingAdoption.insert(cluster.name)
                    changes.append("cluster \(cluster.name) added: it starts at the next tick")
                } catch {
                    changes.append("cluster \(cluster.name) added but not started: \(error)")
                }
                continue
            }
            if removing.remove(cluster.name) != nil {
                await runtime.command(.start(nil))
                changes.append("cluster \(cluster.name) is back in the configuration: started again")
            }
            let old = await runtime.config
            await runtime.reload(cluster, daemon: config.daemon)
            if old != cluster {
                changes.append("cluster \(cluster.name): \(Self.describe(old, cluster))")
            }
        }
        let kept = Set(config.clusters.map(\.name))
        for runtime in runtimes where !kept.contains(runtime.name) && !removing.contains(runtime.name) {
            removing.insert(runtime.name)
            awaitingAdoption.remove(runtime.name)
            await runtime.command(.stop(nil))
            changes.append("cluster \(runtime.name) removed: its jobs are deleted, then it is forgotten")
        }
        return changes
    }

    /// A line on what changed in a cluster's configuration.
    static func describe(_ old: ClusterConfig, _ new: ClusterConfig) -> String {
        var parts: [String] = []
        if old.engines.jobs != new.engines.jobs { parts.append("engines \(old.engines.jobs) → \(new.engines.jobs)") }
        if old.notebook.enabled != new.notebook.enabled {
            parts.append(new.notebook.enabled ? "notebook added" : "notebook removed")
        }
        var changedOnly = old
        changedOnly.engines.jobs = new.engines.jobs
        changedOnly.notebook.enabled = new.notebook.enabled
        if changedOnly != new {
            parts.append("job settings changed (new jobs use them; `clusterctl restart \(new.name)` applies them "
                + "to running jobs)")
        }
        return parts.joined(separator: ", ")
    }

    /// Forgets removed clusters whose jobs are all gone (their state file with them).
    private func dropRemovedClusters() async {
        for name in removing {
            guard let runtime = runtime(name), await runtime.state.jobs.isEmpty else { continue }
            await runtime.discardState()
            runtimes.removeAll { $0.name == name }
            removing.remove(name)
            environment.logger.notice("cluster \(name) removed from the configuration: all its jobs are gone")
        }
    }

    /// The events kept in memory, oldest first.
    public func recentEvents(cluster: String? = nil) async -> [ClusterEvent] {
        await environment.events.recent(cluster: cluster)
    }

    /// Every cluster's status, sorted by name.
    public func status() async -> [ClusterStatus] {
        var statuses: [ClusterStatus] = []
        for runtime in runtimes { statuses.append(await runtime.status()) }
        return statuses
    }

    /// One cluster's reconciler state, nil for an unknown cluster.
    public func state(of cluster: String) async -> ClusterState? {
        await runtime(cluster)?.state
    }

    /// Deletes every job (SIGTERM with `on_sigterm = "stop-jobs"`).
    public func stopAll() async {
        for runtime in runtimes { await runtime.command(.stop(nil)) }
    }

    private func runtime(_ name: String) -> ClusterRuntime? {
        runtimes.first { $0.name == name }
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
