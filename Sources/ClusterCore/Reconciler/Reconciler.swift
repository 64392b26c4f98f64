import PBSCore

/// The supervisor's decision core: a plain state machine with no I/O and no clock.
///
/// Each input (`tick`, a command result, a user command) mutates `state` and returns the actions the caller must
/// perform. Persist `state` after every call, before performing the actions. See docs/reconciler.md.
public struct Reconciler: Sendable {
    /// What to keep running.
    public internal(set) var spec: ClusterSpec
    /// What the reconciler knows; Codable for the state file.
    public internal(set) var state: ClusterState

    /// Starts from a loaded `state` (after a restart) or from scratch. A spec whose engine count differs from
    /// the one the state last applied overrides an earlier `scale`.
    public init(spec: ClusterSpec, state: ClusterState?) {
        self.spec = spec
        var state = state ?? ClusterState(spec: spec)
        // Deletions recorded before a restart may never have reached qdel: they are due at the first tick.
        for index in state.jobs.indices where state.jobs[index].retiring != nil {
            state.jobs[index].deleteRequestedAt = nil
        }
        state.submitBudget = spec.submitBurst
        if state.specEngineCount != spec.engineCount {
            state.engineCount = spec.engineCount
            state.specEngineCount = spec.engineCount
        }
        self.state = state
    }

    /// The job ids to ask qstat about this tick (one qstat for all of them).
    public var queryJobIDs: [String] {
        state.jobs.compactMap(\.jobID)
    }

    /// One poll: the single qstat answer for `queryJobIDs`.
    ///
    /// A failed query changes no job and produces no submit or delete ("unknown is not dead"). An answered query
    /// updates every listed job, ends the dead ones, applies restart policies, then reconciles.
    public mutating func tick(_ result: PBSQueryResult, now: Timestamp) -> [ReconcileAction] {
        var effects = Effects()
        // The file does not depend on PBS: a write that failed (full disk, quota) is retried every tick.
        if state.handoffUnwritten, let handoff = state.handoff { effects.append(.writeHandoff(handoff)) }
        switch result {
        case .failed(let failure):
            state.lastQueryFailure = failure.description
            if !state.stale {
                state.stale = true
                state.staleSince = now
                effects.emit(event(
                    .qstatFailed,
                    "qstat failed (\(failure)); keeping the last known job states, submitting and deleting " +
                        "nothing until it answers again",
                    now: now))
            }
        case .answered(let observations):
            state.submitBudget = spec.submitBurst
            if state.stale {
                let since = state.staleSince.map { " after \(seconds(now - $0))" } ?? ""
                state.stale = false
                state.staleSince = nil
                effects.emit(event(.qstatRecovered, "qstat answers again\(since)", now: now))
            }
            for intent in state.jobs.map(\.intent) {
                guard let index = index(of: intent), let jobID = state.jobs[index].jobID,
                    let observation = observations[jobID]
                else { continue }
                observe(intent, observation, now: now, &effects)
            }
            reconcile(now: now, &effects)
        }
        return effects.finished()
    }

    /// `qsub` for `intent` returned `jobID`.
    public mutating func submitted(intent: IntentID, jobID: String, now: Timestamp) -> [ReconcileAction] {
        var effects = Effects()
        guard let index = index(of: intent) else {
            // Not ours any more (should not happen): never leave an untracked job behind.
            effects.emit(event(
                .unknownIntent, "qsub returned \(jobID) for unknown intent \(intent); deleting it",
                jobID: jobID, intent: intent, now: now))
            effects.delete(jobID, reason: .surplus)
            return effects.finished()
        }
        state.jobs[index].jobID = jobID
        state.jobs[index].submittedAt = now
        let job = state.jobs[index]
        state[job.role].lastSubmitError = nil
        effects.emit(event(
            .submitted, "submitted \(job.role.rawValue) job \(jobID) (generation \(job.generation))",
            role: job.role, jobID: jobID, intent: intent, now: now))
        if let reason = job.retiring {
            state.jobs[index].deleteRequestedAt = now
            effects.delete(jobID, reason: reason)
        }
        reconcile(now: now, &effects)
        return effects.finished()
    }

    /// `qsub` for `intent` failed; `error` says what it printed. It backs off; a `permanent` refusal (an unknown
    /// queue or resource, an illegal value) also counts as a failed start, so it reaches the start limit instead of
    /// being retried forever, while a server that is down never puts the role into `failed`.
    public mutating func submitFailed(
        intent: IntentID, error: String, permanent: Bool = false, now: Timestamp
    ) -> [ReconcileAction] {
        var effects = Effects()
        guard let index = index(of: intent) else { return [] }
        let job = state.jobs.remove(at: index)
        unlinkReplacement(of: job.intent)
        state[job.role].lastSubmitError = SubmitError(message: error, permanent: permanent, at: now)
        effects.emit(event(
            .submitFailed,
            "qsub of \(job.role.rawValue) failed\(permanent ? " (the server refuses this request)" : ""): \(error)",
            role: job.role, intent: intent, now: now))
        if job.retiring == nil, state[job.role].desired == .running, let roleSpec = spec.role(job.role) {
            if permanent, recordFailedStart(job, roleSpec, cause: "qsub refused: \(error)", now: now, &effects) {
                reconcile(now: now, &effects)
                return effects.finished()
            }
            scheduleRetry(job.role, roleSpec, now: now, why: "qsub failed", &effects)
        }
        reconcile(now: now, &effects)
        return effects.finished()
    }

    /// The supervisor read the report of controller `jobID`: where it can be reached, or nil when the report is
    /// missing or invalid (it is asked again next tick). A new endpoint rewrites the handoff and cycles the engines.
    ///
    /// A controller still without an address `addressTimeout` after it started running is broken (ipcontroller
    /// died inside a job that goes on, or cannot write its report): it is deleted and counts as a failed start.
    /// The check sits here, right after a fresh read, so a daemon that was down never mistakes a report it has
    /// not read yet for a silent controller.
    public mutating func controllerAddress(
        jobID: String, endpoint: ControllerEndpoint?, now: Timestamp
    ) -> [ReconcileAction] {
        var effects = Effects()
        guard let index = state.jobs.firstIndex(where: { $0.jobID == jobID }),
            state.jobs[index].role == .controller, state.jobs[index].retiring == nil
        else { return [] }
        let job = state.jobs[index]
        guard let endpoint, !endpoint.address.isEmpty else {
            if let timeout = spec.addressTimeout, let since = job.runningSince, now - since >= timeout {
                retireSilentController(index, ran: now - since, timeout: timeout, now: now, &effects)
                return effects.finished()
            }
            if !job.addressMissingReported {
                state.jobs[index].addressMissingReported = true
                effects.emit(event(
                    .addressUnavailable,
                    "controller \(jobID) runs but its address file is missing or invalid; asking again next tick",
                    role: .controller, jobID: jobID, now: now))
            }
            return effects.finished()
        }
        let previous = state.handoff
        if let previous, !previous.stale {
            if previous.jobID == jobID, previous.endpoint == endpoint { return [] }
            if previous.generation > job.generation { return [] }
        }
        let handoff = Handoff(endpoint: endpoint, jobID: jobID, generation: job.generation, writtenAt: now)
        publish(handoff, &effects)
        effects.emit(event(
            .handoffWritten,
            "handoff now points at controller \(jobID) (\(endpoint.address), generation \(job.generation))",
            role: .controller, jobID: jobID, now: now))
        return effects.finished()
    }

    /// The handoff file now holds `handoff`. What waited for readers to see it goes ahead: the controller it named
    /// before is retired, engines move.
    public mutating func handoffWritten(_ handoff: Handoff, now: Timestamp) -> [ReconcileAction] {
        var effects = Effects()
        let before = state.handoffOnDisk?.generation
        state.handoffOnDisk = handoff
        if let error = state.handoffWriteError {
            state.handoffWriteError = nil
            effects.emit(event(
                .handoffWritten, "the handoff file is written again (last failure: \(error))", role: .controller,
                jobID: handoff.jobID, now: now))
        }
        reconcile(now: now, &effects)
        if let before, let after = handoffGeneration, before != after {
            // Readers now see another controller: the engines of the old one were deleted, new ones submitted.
            let retired = effects.deletions(for: .controllerReplaced)
            let submitted = effects.submissions(of: .engine)
            effects.emit(event(
                .enginesCycled,
                "engines move to controller generation \(after): \(submitted) submitted, \(retired) " +
                    "old engine(s) deleted (engines never reconnect to a new controller)",
                role: .engine, jobID: handoff.jobID, now: now))
        }
        return effects.finished()
    }

    /// Writing `handoff` failed (full disk, quota, permissions): nothing that relies on the file happens, and it
    /// is written again at the next tick. Reported once per distinct error.
    public mutating func handoffWriteFailed(_ handoff: Handoff, error: String, now: Timestamp) -> [ReconcileAction] {
        guard state.handoffWriteError != error else { return [] }
        state.handoffWriteError = error
        var effects = Effects()
        effects.emit(event(
            .handoffWriteFailed,
            "cannot write the handoff file (\(error)); it still names controller " +
                "\(state.handoffOnDisk?.jobID ?? "none"): retrying every tick, keeping that controller until it " +
                "is written",
            role: .controller, jobID: handoff.jobID, now: now))
        return effects.finished()
    }

    private mutating func retireSilentController(
        _ index: Int, ran: Double, timeout: Double, now: Timestamp, _ effects: inout Effects
    ) {
        let job = state.jobs[index]
        effects.emit(event(
            .addressTimeout,
            "controller \(job.label) has run \(seconds(ran.rounded(.down))) without reporting its address " +
                "(address_timeout \(seconds(timeout))); deleting it",
            role: .controller, jobID: job.jobID, now: now))
        retire(index, reason: .addressTimeout, now: now, &effects)
        if state[.controller].desired == .running {
            applyRestartPolicy(job, spec.controller, exitStatus: nil, ran: nil,
                               cause: "no address after \(seconds(timeout))", now: now, &effects)
        }
        reconcile(now: now, &effects)
    }

    /// `qdel` of `jobIDs` finished; a non-nil `error` makes the reconciler ask again on the next answered tick
    /// while the jobs are still alive.
    public mutating func deleted(jobIDs: [String], error: String?, now: Timestamp) -> [ReconcileAction] {
        guard let error else { return [] }
        var effects = Effects()
        for index in state.jobs.indices {
            guard let jobID = state.jobs[index].jobID, jobIDs.contains(jobID), state.jobs[index].retiring != nil
            else { continue }
            state.jobs[index].deleteRequestedAt = nil
            effects.emit(event(
                .deleteFailed, "qdel \(jobID) failed: \(error); retrying while qstat still lists it",
                role: state.jobs[index].role, jobID: jobID, now: now))
        }
        return effects.finished()
    }

    /// A lifecycle command. Deletions it asks for are returned even while qstat fails (the user asked); the
    /// submissions it implies wait for an answered tick.
    public mutating func command(_ command: ControlCommand, now: Timestamp) -> [ReconcileAction] {
        var effects = Effects()
        switch command {
        case .start(let role):
            for role in roles(role) {
                state[role].desired = .running
                state[role].clearFailures()
                effects.emit(event(.started, "\(role.rawValue) wanted running", role: role, now: now))
            }
        case .stop(let role):
            for role in roles(role) {
                state[role].desired = .stopped
                state[role].clearFailures()
                retireAll(of: role, reason: .stopped, now: now, &effects)
                effects.emit(event(.stopped, "\(role.rawValue) stopped; its jobs are deleted", role: role, now: now))
            }
        case .restart(let role):
            for role in roles(role) {
                state[role].desired = .running
                state[role].clearFailures()
                retireAll(of: role, reason: .restarted, now: now, &effects)
                effects.emit(event(
                    .restarted, "\(role.rawValue) restarting: jobs deleted and resubmitted", role: role, now: now))
            }
        case .reset(let role):
            for role in roles(role) {
                state[role].clearFailures()
                effects.emit(event(
                    .reset, "\(role.rawValue): failed state, start limit and backoff cleared", role: role, now: now))
            }
        case .scale(let count):
            guard (0...ClusterSpec.maximumEngineCount).contains(count) else {
                effects.emit(event(
                    .commandRejected,
                    "cannot scale engines to \(count): the count must be from 0 to \(ClusterSpec.maximumEngineCount)",
                    role: .engine, now: now))
                return effects.finished()
            }
            let old = state.engineCount
            state.engineCount = count
            effects.emit(event(.scaled, "engines scaled from \(old) to \(count)", role: .engine, now: now))
        }
        reconcile(now: now, &effects)
        return effects.finished()
    }

    /// A configuration reload (SIGHUP): applies the difference. A changed engine count replaces an earlier
    /// `scale`; a removed notebook is deleted; new restart settings apply to the next decisions. Running jobs are
    /// not resubmitted for changed resources (use `restart`). A different cluster name is rejected.
    public mutating func updateSpec(_ newSpec: ClusterSpec, now: Timestamp) -> [ReconcileAction] {
        var effects = Effects()
        guard newSpec.name == state.cluster else {
            effects.emit(event(
                .reloadRejected,
                "reload rejected: cluster name changed from \(state.cluster) to \(newSpec.name); a renamed " +
                    "cluster is a different cluster",
                now: now))
            return effects.finished()
        }
        var changes: [String] = []
        if newSpec.engineCount != state.specEngineCount {
            changes.append("engines \(state.engineCount) → \(newSpec.engineCount)")
            state.engineCount = newSpec.engineCount
            state.specEngineCount = newSpec.engineCount
        }
        if (spec.notebook == nil) != (newSpec.notebook == nil) {
            changes.append(newSpec.notebook == nil ? "notebook removed" : "notebook added")
        }
        if newSpec != spec, changes.isEmpty { changes.append("settings changed") }
        spec = newSpec
        effects.emit(event(
            .specReloaded, "configuration reloaded: \(changes.isEmpty ? "no change" : changes.joined(separator: ", "))",
            now: now))
        reconcile(now: now, &effects)
        return effects.finished()
    }

    /// Start-up after a restart: `listing` is a qstat listing of every visible job. Pending intents are matched
    /// to jobs (by `CLUSTERD_INTENT`, else by job name and role); unmatched intents are dropped and resubmitted by
    /// the normal rules; tagged jobs not in the state are adopted, then surplus beyond what is wanted is deleted.
    public mutating func adopt(listing: [PBSJob], now: Timestamp) -> [ReconcileAction] {
        var effects = Effects()
        adoptJobs(listing, now: now, &effects)
        reconcile(now: now, &effects)
        return effects.finished()
    }

    /// A periodic listing of the user's jobs: own live jobs that nothing tracks (a qsub that returned after a
    /// restart, a job the server briefly did not know) are adopted, and the normal rules delete what is not
    /// wanted. Jobs that may belong to a qsub still running are left alone; tracked jobs are left to the tick.
    public mutating func sweep(listing: [PBSJob], now: Timestamp) -> [ReconcileAction] {
        var effects = Effects()
        for stray in strays(in: listing) {
            adoptUntracked(stray.job, role: stray.role, now: now, &effects)
        }
        reconcile(now: now, &effects)
        return effects.finished()
    }

    /// The status view: wanted and actual per role, handoff, stale flag.
    public func status(now: Timestamp) -> ClusterStatus {
        let roles = ClusterRole.allCases.filter { spec.role($0) != nil }.map { role in
            let roleState = state[role]
            let window = spec.role(role).map { now + -$0.startLimitInterval } ?? now
            return RoleStatus(
                role: role, desired: roleState.desired, wantedJobs: wantedCount(role),
                hold: roleState.hold,
                backoffUntil: roleState.backoffUntil.flatMap { $0 > now ? $0 : nil },
                restarts: roleState.restarts,
                recentFailedStarts: roleState.failedStarts.filter { $0 > window }.count,
                lastExit: roleState.lastExit, lastSubmitError: roleState.lastSubmitError,
                jobs: state.jobs.filter { $0.role == role }.map { jobStatus($0, now: now) })
        }
        return ClusterStatus(
            cluster: state.cluster, stale: state.stale, staleSince: state.staleSince,
            lastQueryFailure: state.lastQueryFailure, handoff: state.handoff,
            handoffUnwritten: state.handoffUnwritten, handoffWriteError: state.handoffWriteError, roles: roles)
    }

    private func jobStatus(_ job: TrackedJob, now: Timestamp) -> JobStatus {
        let phase = job.last?.state.rawValue ?? (job.jobID == nil ? "submitting" : "submitted")
        return JobStatus(
            intent: job.intent, jobID: job.jobID, generation: job.generation, state: phase,
            host: job.last?.execHosts.first, startedAt: job.runningSince,
            walltimeLeft: walltimeLeft(job, now: now), retiring: job.retiring, replacedBy: job.replacedBy,
            adopted: job.adopted)
    }

    private func roles(_ role: ClusterRole?) -> [ClusterRole] {
        role.map { [$0] } ?? ClusterRole.allCases
    }
}
