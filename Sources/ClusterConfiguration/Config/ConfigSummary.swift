import ClusterCore
import PBSCore
import PBSCore

/// The short "what would run" text printed by `check-config`.
public enum ConfigSummary {
    /// A few lines: the daemon settings, then one block per cluster.
    public static func render(_ config: ClusterdConfig) -> String {
        let d = config.daemon
        var lines = ["\(config.path): OK"]
        lines.append("daemon: poll every \(DurationText.format(d.pollInterval)), dialect "
            + "\(d.dialect.rawValue), qstat=\(d.qstat) qsub=\(d.qsub) qdel=\(d.qdel), "
            + "command timeout \(DurationText.format(d.commandTimeout))")
        lines.append("  state \(d.stateDir), socket \(d.socketPath), on SIGTERM: \(d.onSIGTERM.rawValue)")
        for cluster in config.clusters {
            lines.append("cluster \(cluster.name): profile \(cluster.profile), venv \(cluster.venv ?? "none"), "
                + "handoff \(cluster.handoffFile)")
            let c = cluster.controller
            let timeout = c.addressTimeout > 0 ? DurationText.format(c.addressTimeout) : "never"
            lines.append("  controller: 1 job, \(job(c.job)), binds to \(c.address.description), "
                + "address timeout \(timeout)")
            let e = cluster.engines
            lines.append("  engines:    \(e.jobs) job\(e.jobs == 1 ? "" : "s"), \(job(e.job)), "
                + "launcher \(([e.mpiLauncher] + e.mpiArguments).joined(separator: " ")), "
                + "controller wait \(DurationText.format(e.controllerWait)), "
                + "register wait \(DurationText.format(e.registerWait))")
            let n = cluster.notebook
            lines.append(n.enabled
                ? "  notebook:   1 job, \(job(n.job)), jupyter \(n.app) on port \(n.port), binds to "
                    + n.address.description
                : "  notebook:   off")
        }
        return lines.joined(separator: "\n")
    }

    private static func job(_ job: JobSettings) -> String {
        var text = "select \(job.select), walltime \(PBSDuration.format(job.walltime))"
        if let queue = job.queue { text += ", queue \(queue)" }
        text += ", restart \(job.restart.policy.rawValue)"
        return text
    }
}
