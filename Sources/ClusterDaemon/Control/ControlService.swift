import ClusterConfiguration
import POSIXSupport
import ClusterAPI
import ClusterCore
import PBSCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Logging

/// What the control API does, without HTTP: reads the supervisor and event log, runs commands, reloads.
///
/// `ControlServer` maps routes to these methods and `ControlError`s to HTTP statuses.
public struct ControlService: Sendable {
    let supervisor: Supervisor
    let events: EventLog
    let pbs: any PBSClient
    let reloader: ConfigurationReload
    let metrics: ControlMetrics
    let startedAt: Timestamp
    let logger: Logger

    /// A service over a supervisor; `reload()` goes through `reload`, the daemon's one reload path.
    public init(supervisor: Supervisor, events: EventLog, pbs: any PBSClient, reload: ConfigurationReload,
                logger: Logger) async {
        self.supervisor = supervisor
        self.events = events
        self.pbs = pbs
        self.reloader = reload
        self.logger = logger
        self.startedAt = await supervisor.now()
        let metrics = ControlMetrics()
        self.metrics = metrics
        await supervisor.observeTicks { metrics.recordTick($0) }
    }

    /// `GET /v1/status`.
    public func daemonStatus() async -> DaemonStatus {
        let now = await supervisor.now().seconds
        let lastTick = await supervisor.lastTick
        let poll = Double(await supervisor.pollInterval)
        let detection = await supervisor.dialect
        let statuses = await supervisor.status()
        let tickLate = lastTick.map { now - $0.seconds > 3 * poll } ?? (now - startedAt.seconds > 3 * poll)
        return DaemonStatus(
            version: ClusterdVersion.string, pid: Int(getpid()), host: HostName.current, startedAt: startedAt,
            uptimeSeconds: now - startedAt.seconds, dialect: detection?.dialect.rawValue,
            dialectEvidence: detection.map { "\($0.method.rawValue): \($0.evidence)" }, lastTick: lastTick,
            ticks: await supervisor.ticks, pollInterval: poll, stale: tickLate || statuses.contains { $0.stale },
            configPath: reloader.path, clusters: statuses.map(\.cluster))
    }

    /// `GET /v1/clusters`.
    public func clusters() async -> ClusterList {
        let statuses = await supervisor.status()
        let configs = await supervisor.clusterConfigs()
        let stateDir = await supervisor.stateDir
        return ClusterList(clusters: zip(statuses, configs).map { detail($0, $1, stateDir: stateDir) })
    }

    /// `GET /v1/clusters/{name}`.
    public func cluster(_ name: String) async throws(ControlError) -> ClusterDetail {
        let statuses = await supervisor.status()
        let configs = await supervisor.clusterConfigs()
        guard let index = configs.firstIndex(where: { $0.name == name }) else {
            throw ControlError(.clusterNotFound, "no cluster \"\(name)\"; configured: "
                + configs.map(\.name).joined(separator: ", "))
        }
        return detail(statuses[index], configs[index], stateDir: await supervisor.stateDir)
    }

    /// `POST /v1/clusters/{name}/{verb}`: runs at once (no waiting for a tick) and answers the new detail.
    public func command(_ verb: ClusterVerb, cluster name: String, role: ClusterRole?)
        async throws(ControlError) -> ClusterDetail {
        let config = try await clusterConfig(name)
        if role == .notebook && !config.notebook.enabled {
            throw ControlError(
                .conflict, "cluster \(name) has no notebook (notebook.enabled = false in \(reloader.path))")
        }
        let command: ControlCommand = switch verb {
        case .start: .start(role)
        case .stop: .stop(role)
        case .restart: .restart(role)
        case .reset: .reset(role)
        }
        guard await supervisor.command(command, cluster: name) else { throw Self.missing(name) }
        return try await cluster(name)
    }

    /// `POST /v1/clusters/{name}/scale`.
    public func scale(cluster name: String, engines: Int) async throws(ControlError) -> ClusterDetail {
        guard engines >= 0 else {
            throw ControlError(.badRequest, "cannot scale engines to \(engines): the count must be 0 or more")
        }
        _ = try await clusterConfig(name)
        guard await supervisor.command(.scale(engines: engines), cluster: name) else { throw Self.missing(name) }
        return try await cluster(name)
    }

    /// `POST /v1/reload`: the daemon's one reload path; an invalid file changes nothing (400 with the reason).
    public func reload() async throws(ControlError) -> ReloadResponse {
        switch await reloader.run(trigger: "control API") {
        case .applied(let response): return response
        case .rejected(let reason): throw ControlError(.badRequest, reason)
        }
    }

    /// `GET /v1/events`: kept events, optionally of one cluster and not older than `since`.
    public func events(cluster: String?, since: Double?) async throws(ControlError) -> [ClusterEvent] {
        if let cluster { _ = try await clusterConfig(cluster) }
        return await events.recent(cluster: cluster).filter { since == nil || $0.time.seconds >= since! }
    }

    /// `GET /v1/events?follow=true`: kept events, then every new one as it happens.
    public func follow(cluster: String?, since: Double?) async throws(ControlError)
        -> (past: [ClusterEvent], live: AsyncStream<ClusterEvent>) {
        if let cluster { _ = try await clusterConfig(cluster) }
        let (past, live) = await events.subscribe(cluster: cluster)
        return (past.filter { since == nil || $0.time.seconds >= since! }, live)
    }

    /// `GET /metrics`: Prometheus text.
    public func metricsText() async -> String {
        metrics.render(statuses: await supervisor.status(), stats: await pbs.stats(),
                       subscribers: await events.subscriberCount)
    }

    // MARK: - Helpers

    private func clusterConfig(_ name: String) async throws(ControlError) -> ClusterConfig {
        guard let config = await supervisor.clusterConfigs().first(where: { $0.name == name }) else {
            throw Self.missing(name)
        }
        return config
    }

    private static func missing(_ name: String) -> ControlError {
        ControlError(.clusterNotFound, "no cluster \"\(name)\" is configured")
    }

    private func detail(_ status: ClusterStatus, _ config: ClusterConfig, stateDir: String) -> ClusterDetail {
        let paths = ClusterPaths(stateDir: stateDir, cluster: config.name)
        let handoff = try? JSONFile.handoff(config.handoffFile).read()
        var detail = ClusterDetail(name: config.name, status: status, handoffFile: config.handoffFile,
                                   handoff: handoff, logDir: paths.logDir, notebook: nil)
        detail.notebook = notebookConnection(detail, paths: paths)
        return detail
    }

    /// The running notebook's report (`notebook-<jobid>.json`, written once Jupyter answered, with its token URL);
    /// for notebooks from a user's own template without `url`, the token URL Jupyter printed in its log.
    private func notebookConnection(_ detail: ClusterDetail, paths: ClusterPaths) -> NotebookConnection? {
        let role = detail.status.roles.first { $0.role == .notebook }
        guard let job = role?.jobs.last(where: { $0.state == "running" && $0.jobID != nil }),
              let jobID = job.jobID,
              let report = try? JSONFile<NotebookReport>(path: "\(paths.reportDir)/notebook-\(jobID).json").read()
        else { return nil }
        let port = report.port.flatMap { Int($0) } ?? 0
        var url = report.url
        let log = detail.logFile(role: .notebook, intent: job.intent)
        if url == nil, let text = (try? FileIO.read(log)).map({ String(decoding: $0, as: UTF8.self) }) {
            url = text.split(whereSeparator: \.isWhitespace).last { $0.hasPrefix("http") && $0.contains("token=") }
                .map(String.init)
        }
        return NotebookConnection(jobID: jobID, host: report.host ?? report.address,
                                  address: report.address, port: port, url: url)
    }
}

/// The notebook job's report; templates before this one wrote the port as a string and no URL.
private struct NotebookReport: Codable, Sendable {
    var host: String?
    var address: String
    var port: String?
    var url: String?

    enum CodingKeys: String, CodingKey { case host, address, port, url }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        host = try container.decodeIfPresent(String.self, forKey: .host)
        address = try container.decode(String.self, forKey: .address)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        if let text = try? container.decodeIfPresent(String.self, forKey: .port) {
            port = text
        } else {
            port = try container.decodeIfPresent(Int.self, forKey: .port).map(String.init)
        }
    }
}
