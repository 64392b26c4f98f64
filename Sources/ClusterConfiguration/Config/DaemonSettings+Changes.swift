import PBSCore

extension DaemonSettings {
    /// What differs in `new`, by configuration key: what a running daemon applies, and what only a restart can
    /// (the state directory holds the lock and the state; the socket is bound).
    public func changes(to new: DaemonSettings) -> (applied: [String], needsRestart: [String]) {
        var applied: [String] = []
        var restart: [String] = []
        func compare<T: Equatable>(_ key: String, _ old: T, _ new: T, _ text: (T) -> String = { "\($0)" }) {
            if old != new { applied.append("daemon.\(key): \(text(old)) → \(text(new))") }
        }
        let duration = { (seconds: Int) in DurationText.format(seconds) }
        compare("poll_interval", pollInterval, new.pollInterval, duration)
        compare("command_timeout", commandTimeout, new.commandTimeout, duration)
        compare("qstat", qstat, new.qstat)
        compare("qsub", qsub, new.qsub)
        compare("qdel", qdel, new.qdel)
        compare("qselect", qselect, new.qselect)
        compare("dialect", dialect.rawValue, new.dialect.rawValue)
        compare("history", history, new.history)
        compare("job_name_limit", jobNameLimit, new.jobNameLimit)
        compare("on_sigterm", onSIGTERM.rawValue, new.onSIGTERM.rawValue)
        compare("adopt_interval", adoptInterval, new.adoptInterval, duration)
        compare("submit_burst", submitBurst, new.submitBurst)
        if stateDir != new.stateDir {
            restart.append("daemon.state_dir: \(stateDir) → \(new.stateDir) (the running daemon keeps \(stateDir))")
        }
        if socketPath != new.socketPath {
            restart.append("daemon.socket: \(socketPath) → \(new.socketPath) (the running daemon keeps \(socketPath))")
        }
        return (applied, restart)
    }
}
