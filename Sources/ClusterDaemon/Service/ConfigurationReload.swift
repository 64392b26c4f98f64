import ClusterAPI
import ClusterConfiguration
import ClusterCore
import Logging

/// The one way the configuration is reloaded: SIGHUP and `POST /v1/reload` (which `clusterctl reload`, the
/// unit's `ExecReload=`, calls) both come here, so they cannot drift apart.
///
/// The file is read and validated first; an invalid file changes nothing and is reported (an error in the log, a
/// `reloadRejected` event, the reason to the caller). A valid one is applied as far as a running daemon can:
/// PBS commands and timeouts, poll and adoption intervals, and every cluster (added, changed, removed); what
/// only a restart can change is named.
public struct ConfigurationReload: Sendable {
    let path: String
    let environment: ConfigEnvironment
    let supervisor: Supervisor
    let pbs: PBSCommandClient?
    let events: EventLog
    let notifier: any ServiceNotifier
    let logger: Logger

    /// A reload of the file at `path`. `pbs` is reconfigured with the new daemon settings (nil in tests whose PBS
    /// is not the command client).
    public init(path: String, environment: ConfigEnvironment, supervisor: Supervisor, pbs: PBSCommandClient?,
                events: EventLog, notifier: any ServiceNotifier, logger: Logger) {
        self.path = path
        self.environment = environment
        self.supervisor = supervisor
        self.pbs = pbs
        self.events = events
        self.notifier = notifier
        self.logger = logger
    }

    /// The outcome: what changed, or why nothing did.
    public enum Outcome: Sendable {
        /// The file was valid and applied.
        case applied(ReloadResponse)
        /// The file was invalid; the running configuration stays.
        case rejected(String)
    }

    /// Reads, validates and applies the file. `trigger` names the caller for the log ("SIGHUP", "control API").
    public func run(trigger: String) async -> Outcome {
        notifier.reloading()
        let outcome = await reload(trigger: trigger)
        // READY=1 ends the reload for systemd, whatever the verdict: the daemon runs on.
        notifier.ready(status: StatusLine.summary(await supervisor.status(), now: await supervisor.now()))
        return outcome
    }

    private func reload(trigger: String) async -> Outcome {
        let fresh: ClusterdConfig
        do {
            fresh = try ConfigLoader(environment: environment).load(path: path)
        } catch {
            let reason = "configuration not reloaded (\(trigger)), keeping the running one:\n\(error)"
            logger.error("\(reason)")
            let clusters = await supervisor.clusterConfigs().map(\.name)
            for cluster in clusters {
                await events.record(ClusterEvent(
                    kind: .reloadRejected, cluster: cluster,
                    message: "reload rejected: \(path) is invalid; the running configuration stays (see the log "
                        + "or `clusterd check-config`)",
                    time: await supervisor.now()))
            }
            return .rejected(reason)
        }
        let old = await supervisor.daemonSettings
        let (daemonChanges, needsRestart) = old.changes(to: fresh.daemon)
        await pbs?.reconfigure(PBSCommandConfiguration(daemon: fresh.daemon))
        let clusterChanges = await supervisor.apply(fresh)
        let changes = daemonChanges + clusterChanges
        let summary = changes.isEmpty ? "no change" : changes.joined(separator: "; ")
        logger.notice("configuration reloaded from \(path) (\(trigger)): \(summary)")
        for line in needsRestart {
            logger.warning("\(line): takes effect after `systemctl --user restart clusterd`")
        }
        return .applied(ReloadResponse(configPath: path, clusters: fresh.clusters.map(\.name), changes: changes,
                                       needsRestart: needsRestart))
    }
}
