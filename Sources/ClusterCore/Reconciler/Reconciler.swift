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
            requestReports(&effects)
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
        if let previous = state.handoff, !previous.stale {
            if previous.jobID == jobID, previous.endpoint == endpoint { return [] }
            if let target = previous.engines, target.jobID == jobID, target.endpoint == endpoint { return [] }
            if previous.generation > job.generation { return [] }
            // A newer controller while the current one runs (a renewal): engines move first, inside their jobs,
            // and clients once the engines are registered there, so the engines answering never drop to zero.
            if previous.jobID != jobID, let current = state.jobs.first(where: { $0.jobID == previous.jobID }),
                current.retiring == nil, let registered = current.health?.registered, registered > 0
            {
                var moving = previous
                moving.engines = EngineTarget(jobID: jobID, generation: job.generation, endpoint: endpoint,
                                              since: now, expected: registered)
                publish(moving, &effects)
                effects.emit(event(
                    .enginesMoving,
                    "engines move to controller \(jobID) (\(endpoint.address), generation \(job.generation)) inside " +
                        "their jobs; clients stay with \(previous.jobID) until \(registered) engine(s) are " +
                        "registered there (at most \(seconds(spec.switchTimeout)))",
                    role: .controller, jobID: jobID, now: now))
                return effects.finished()
            }
        }
        publishAll(endpoint: endpoint, jobID: jobID, generation: job.generation, why: nil, now: now, &effects)
        return effects.finished()
    }

    /// A controller's health report (nil when missing or unreadable): engines registered with it, and a sign of
    /// life. A report that stops advancing for `addressTimeout` means ipcontroller hangs or died inside a job that
    /// goes on: the controller is replaced as one that never reported. Controllers whose job never wrote a
    /// report (a user's own template) are not judged by it.
    public mutating func controllerHealth(
        jobID: String, registered: Int?, reportedAt: Double?, now: Timestamp
    ) -> [ReconcileAction] {
        var effects = Effects()
        guard let index = state.jobs.firstIndex(where: { $0.jobID == jobID }),
            state.jobs[index].role == .controller, state.jobs[index].retiring == nil
        else { return [] }
        if let registered, let reportedAt {
            let previous = state.jobs[index].health
            let advanced = previous.map { reportedAt > $0.reportedAt } ?? true
            state.jobs[index].health = ControllerHealth(
                registered: registered, reportedAt: reportedAt, freshAt: advanced ? now : previous!.freshAt)
        }
        if let health = state.jobs[index].health, let timeout = spec.addressTimeout, now - health.freshAt >= timeout {
            let job = state.jobs[index]
            effects.emit(event(
                .healthTimeout,
                "controller \(job.label)'s health report has not changed for \(seconds(now - health.freshAt)) " +
                    "(address_timeout \(seconds(timeout))): ipcontroller hangs or died inside the job; deleting it",
                role: .controller, jobID: jobID, now: now))
            retire(index, reason: .healthTimeout, now: now, &effects)
            if state[.controller].desired == .running {
                applyRestartPolicy(job, spec.controller, exitStatus: nil, ran: nil,
                                   cause: "health report stale", now: now, &effects)
            }
            reconcile(now: now, &effects)
            return effects.finished()
        }
        if let handoff = state.handoff, !handoff.stale, let target = handoff.engines, target.jobID == jobID,
            let registered = state.jobs[index].health?.registered, registered >= target.expected
        {
            publishAll(
                endpoint: target.endpoint, jobID: target.jobID, generation: target.generation,
                why: "\(registered) engine(s) registered there after \(seconds(now - target.since))", now: now,
                &effects)
        }
        return effects.finished()
    }

    /// An engine job's report: how many MPI processes (ipengines) it runs.
    public mutating func engineReported(jobID: String, processes: Int?, now: Timestamp) -> [ReconcileAction] {
        guard let processes, processes > 0,
            let index = state.jobs.firstIndex(where: { $0.jobID == jobID && $0.role == .engine })
        else { return [] }
        state.jobs[index].processes = processes
        return []
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
            // Readers now see another controller: engine jobs restart their ipengines against it themselves.
            let following = state.jobs.filter { $0.role == .engine && $0.retiring == nil && $0.jobID != nil }.count
            effects.emit(event(
                .enginesFollow,
                "controller generation \(after) (job \(handoff.jobID)) is in the handoff: \(following) engine " +
                    "job(s) follow it inside their allocations, none resubmitted",
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
            handoffUnwritten: state.handoffUnwritten, handoffWriteError: state.handoffWriteError, roles: roles,
            engines: engineRegistration())
    }

    /// Engines registered with the clients' controller against the processes the running engine jobs started.
    private func engineRegistration() -> EngineRegistration? {
        guard let handoff = state.handoff, !handoff.stale,
            let health = state.jobs.first(where: { $0.jobID == handoff.jobID })?.health
        else { return nil }
        let running = state.jobs.filter { $0.role == .engine && $0.retiring == nil && $0.isRunning }
        let processes = running.compactMap(\.processes)
        let target = handoff.engines.flatMap { target in state.jobs.first { $0.jobID == target.jobID } }
        return EngineRegistration(
            controllerJob: handoff.jobID, registered: health.registered,
            expected: processes.count == running.count ? processes.reduce(0, +) : nil,
            reportedAt: health.reportedAt, movingTo: handoff.engines?.jobID,
            registeredAtTarget: target?.health?.registered)
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
