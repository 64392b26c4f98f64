import PBSCore
import ClusterCore
extension ClusterConfig {
    /// What the reconciler keeps running for this cluster.
    public func spec(daemon: DaemonSettings) -> ClusterSpec {
        ClusterSpec(
            name: name,
            engineCount: engines.jobs,
            controller: controller.job.roleSpec,
            engine: engines.job.roleSpec,
            notebook: notebook.enabled ? notebook.job.roleSpec : nil,
            jobNameLimit: daemon.jobNameLimit,
            submitBurst: daemon.submitBurst,
            addressTimeout: controller.addressTimeout > 0 ? Double(controller.addressTimeout) : nil,
            switchTimeout: Double(engines.registerWait)
        )
    }

    /// The job settings of `role`.
    public func job(for role: ClusterRole) -> JobSettings {
        switch role {
        case .controller: controller.job
        case .engine: engines.job
        case .notebook: notebook.job
        }
    }
}

extension JobSettings {
    /// The reconciler's view of these settings.
    public var roleSpec: RoleSpec {
        RoleSpec(
            restart: restart.policy,
            backoffInitial: Double(restart.initialBackoff),
            backoffMax: Double(restart.maxBackoff),
            startLimitBurst: restart.startLimitBurst,
            startLimitInterval: Double(restart.startLimitInterval),
            walltime: Double(walltime),
            renewBefore: Double(renewBefore)
        )
    }

    /// `-l` resources for qsub: the select statement and the walltime.
    public var resources: [String] {
        ["select=\(select)", "walltime=\(PBSDuration.format(walltime))"]
    }
}
