import PBSCore

extension Reconciler {
    func index(of intent: IntentID) -> Int? {
        state.jobs.firstIndex { $0.intent == intent }
    }

    /// Applies the server's word on one tracked job.
    ///
    /// Dead means: listed as finished, or unknown to a server that answered — at once for a job that was listed
    /// before or that clusterd deleted, after two consecutive unknown answers for a job never listed yet (a
    /// fresh submission may not be visible to the very next qstat).
    mutating func observe(
        _ intent: IntentID, _ observation: PBSJobObservation, now: Timestamp, _ effects: inout Effects
    ) {
        guard let index = index(of: intent) else { return }
        switch observation {
        case .found(let job):
            state.jobs[index].unknownAnswers = 0
            if job.state.isTerminal {
                // A job can start and end between two polls: the server's start time says it ran.
                if state.jobs[index].runningSince == nil, let start = job.startTime {
                    state.jobs[index].runningSince = min(Timestamp(epochSeconds: start), now)
                }
                let endTime = job.endTime.map { min(Timestamp(epochSeconds: $0), now) }
                end(index, exitStatus: job.exitStatus, endTime: endTime, verdict: "finished", now: now, &effects)
                return
            }
            state.jobs[index].last = job
            if state.jobs[index].firstSeenAt == nil { state.jobs[index].firstSeenAt = now }
            let hasRun: Set<PBSJobState> = [.running, .exiting, .suspended]
            if hasRun.contains(job.state), state.jobs[index].runningSince == nil {
                let started = job.startTime.map { min(Timestamp(epochSeconds: $0), now) } ?? now
                state.jobs[index].runningSince = started
                let tracked = state.jobs[index]
                let host = job.execHosts.first.map { " on \($0)" } ?? ""
                effects.emit(event(
                    .running, "\(tracked.role.rawValue) \(tracked.label) is running\(host)", role: tracked.role,
                    jobID: job.id, intent: intent, now: now))
            }
            if let reason = state.jobs[index].retiring {
                let due = state.jobs[index].deleteRequestedAt.map { now - $0 >= spec.deleteRetryAfter } ?? true
                if due {
                    state.jobs[index].deleteRequestedAt = now
                    effects.delete(job.id, reason: reason)
                }
            }
        case .unknown:
            let tracked = state.jobs[index]
            if tracked.retiring != nil || tracked.firstSeenAt != nil {
                end(index, exitStatus: nil, endTime: nil, verdict: "no longer known to the server", now: now,
                    &effects)
                return
            }
            state.jobs[index].unknownAnswers += 1
            if state.jobs[index].unknownAnswers >= 2 {
                end(index, exitStatus: nil, endTime: nil,
                    verdict: "unknown to the server in two answers in a row without ever being listed",
                    now: now, &effects)
            }
        }
    }

    /// A job ended: records it, invalidates a handoff that points at it, and applies the restart policy unless
    /// clusterd deleted it or a renewal already replaces it.
    mutating func end(
        _ index: Int, exitStatus: Int?, endTime: Timestamp?, verdict: String, now: Timestamp,
        _ effects: inout Effects
    ) {
        let job = state.jobs.remove(at: index)
        let role = job.role
        let ran = job.runningSince.map { max(0, (endTime ?? now) - $0) }
        state[role].lastExit = JobExit(jobID: job.jobID, exitStatus: exitStatus, ranSeconds: ran, at: now)
        unlinkReplacement(of: job.intent)
        if role == .controller, let id = job.jobID {
            controllerGone(id, why: "controller \(id) ended", now: now, &effects)
        }
        let outcome = "\(describe(exitStatus: exitStatus)), \(ran.map { "ran \(seconds($0))" } ?? "never ran")"
        if let reason = job.retiring {
            effects.emit(event(
                .ended, "\(role.rawValue) \(job.label) is gone (deleted by clusterd: \(reason.rawValue)); \(verdict)",
                role: role, jobID: job.jobID, intent: job.intent, exitStatus: exitStatus, now: now))
            return
        }
        if let replacement = job.replacedBy {
            effects.emit(event(
                .died,
                "\(role.rawValue) \(job.label) ended (\(outcome)) while its renewal \(replacement) was on its " +
                    "way; not a failure",
                role: role, jobID: job.jobID, intent: job.intent, exitStatus: exitStatus, now: now))
            return
        }
        if role == .engine, handoffGeneration == nil, state[.controller].desired == .running {
            // It waited for a controller (controller_wait) and gave its allocation back: not its failure.
            effects.emit(event(
                .died,
                "\(role.rawValue) \(job.label) \(verdict) while no controller was ready (\(outcome)); a new one is " +
                    "submitted once a controller reports",
                role: role, jobID: job.jobID, intent: job.intent, exitStatus: exitStatus, now: now))
            return
        }
        effects.emit(event(
            .died, "\(role.rawValue) \(job.label) \(verdict): \(outcome)", role: role, jobID: job.jobID,
            intent: job.intent, exitStatus: exitStatus, now: now))
        guard state[role].desired == .running, let roleSpec = spec.role(role) else { return }
        applyRestartPolicy(job, roleSpec, exitStatus: exitStatus, ran: ran, now: now, &effects)
    }

    /// Restart, hold or give up after `job` ended on its own (or was deleted as broken): `cause` names why for
    /// the messages (default: the exit status). A job that never ran (`ran` nil) is a failed start.
    mutating func applyRestartPolicy(
        _ job: TrackedJob, _ roleSpec: RoleSpec, exitStatus: Int?, ran: Double?, cause: String? = nil,
        now: Timestamp, _ effects: inout Effects
    ) {
        let role = job.role
        let cause = cause ?? describe(exitStatus: exitStatus)
        let clean = ran != nil && exitStatus == 0
        switch roleSpec.restart {
        case .never:
            hold(role, .exited, "\(job.label) ended and the restart policy is never; start it again with a " +
                "start command", now: now, &effects)
            return
        case .onFailure where clean:
            hold(role, .exited, "\(job.label) exited with status 0 after running; restart policy on-failure " +
                "does not restart clean exits", now: now, &effects)
            return
        case .onFailure, .always:
            break
        }
        let stable = (ran ?? 0) >= roleSpec.effectiveStableAfter
        if stable {
            state[role].backoffStep = 0
            state[role].backoffUntil = nil
        } else if recordFailedStart(job, roleSpec, cause: cause, now: now, &effects) {
            return
        }
        state[role].restarts += 1
        state[role].restartPending = true
        scheduleRetry(role, roleSpec, now: now, why: "\(job.label) ended (\(cause))", jobID: job.jobID, &effects)
    }

    /// Adds a failed start to the role's window; true when that reached the start limit and the role is now held
    /// `failed` (already failed: nothing more is said).
    mutating func recordFailedStart(
        _ job: TrackedJob, _ roleSpec: RoleSpec, cause: String, now: Timestamp, _ effects: inout Effects
    ) -> Bool {
        let role = job.role
        if state[role].hold?.kind == .failed { return true }
        let windowStart = now + -roleSpec.startLimitInterval
        state[role].failedStarts = state[role].failedStarts.filter { $0 > windowStart } + [now]
        let count = state[role].failedStarts.count
        guard count >= roleSpec.startLimitBurst else { return false }
        state[role].backoffUntil = nil
        state[role].restartPending = false
        hold(role, .failed,
             "\(count) failed starts within \(seconds(roleSpec.startLimitInterval)) (last: \(job.label), " +
                "\(cause)); not submitting again until a start or reset command",
             now: now, &effects)
        return true
    }

    /// Sets the role's next submission time on the doubling backoff; deaths inside an open backoff window share it.
    mutating func scheduleRetry(
        _ role: ClusterRole, _ roleSpec: RoleSpec, now: Timestamp, why: String, jobID: String? = nil,
        _ effects: inout Effects
    ) {
        let delay: Double
        if let until = state[role].backoffUntil, until > now {
            delay = until - now
        } else {
            state[role].backoffStep += 1
            delay = roleSpec.backoffDelay(step: state[role].backoffStep)
            state[role].backoffUntil = now + delay
        }
        effects.emit(event(
            .restarting,
            "\(why); submitting a new \(role.rawValue) job in \(seconds(delay)) (attempt " +
                "\(state[role].backoffStep) of this streak, restart policy \(roleSpec.restart.rawValue))",
            role: role, jobID: jobID, delay: delay, now: now))
    }

    mutating func hold(
        _ role: ClusterRole, _ kind: RoleHold.Kind, _ reason: String, now: Timestamp, _ effects: inout Effects
    ) {
        state[role].hold = RoleHold(kind: kind, reason: reason, since: now)
        effects.emit(event(
            kind == .failed ? .failed : .exited, "\(role.rawValue) \(kind.rawValue): \(reason)", role: role,
            now: now))
    }

    /// Forgets a renewal whose replacement is gone, so the old job counts again (and is renewed again).
    mutating func unlinkReplacement(of intent: IntentID) {
        for index in state.jobs.indices where state.jobs[index].replacedBy == intent {
            state.jobs[index].replacedBy = nil
        }
    }

    /// Decides `handoff` and asks for it to be written; the file is rewritten until `handoffWritten` confirms it.
    mutating func publish(_ handoff: Handoff, _ effects: inout Effects) {
        state.handoff = handoff
        effects.append(.writeHandoff(handoff))
    }

    /// Points clients and engines at `jobID` (the handoff's `engines` part goes); `why` says why a planned move
    /// completes now, nil for a controller that simply reported.
    mutating func publishAll(
        endpoint: ControllerEndpoint, jobID: String, generation: Int, why: String?, now: Timestamp,
        _ effects: inout Effects
    ) {
        effects.emit(event(
            .handoffWritten,
            "handoff now points at controller \(jobID) (\(endpoint.address), generation \(generation))" +
                (why.map { ": \($0)" } ?? ""),
            role: .controller, jobID: jobID, now: now))
        publish(Handoff(endpoint: endpoint, jobID: jobID, generation: generation, writtenAt: now), &effects)
    }

    /// Controller `jobID` ended or is being deleted. The handoff's own controller: clients and engines move to
    /// the engines' new controller when a planned move is under way, else the handoff goes stale. The engines'
    /// new controller: the engines go back to the clients' controller.
    mutating func controllerGone(_ jobID: String, why: String, now: Timestamp, _ effects: inout Effects) {
        guard let handoff = state.handoff, !handoff.stale else { return }
        if handoff.jobID == jobID {
            if let target = handoff.engines,
                state.jobs.contains(where: { $0.jobID == target.jobID && $0.retiring == nil })
            {
                publishAll(endpoint: target.endpoint, jobID: target.jobID, generation: target.generation,
                           why: "\(why); the engines were already moving there", now: now, &effects)
            } else {
                markHandoffStale(why, now: now, &effects)
            }
        } else if let target = handoff.engines, target.jobID == jobID {
            var back = handoff
            back.engines = nil
            publish(back, &effects)
            effects.emit(event(
                .enginesMoving, "\(why); engines go back to controller \(handoff.jobID)", role: .controller,
                jobID: jobID, now: now))
        }
    }

    mutating func markHandoffStale(_ why: String, now: Timestamp, _ effects: inout Effects) {
        guard var handoff = state.handoff, !handoff.stale else { return }
        handoff.stale = true
        handoff.staleSince = now
        publish(handoff, &effects)
        effects.emit(event(
            .handoffStale, "handoff to \(handoff.address) is stale: \(why)", role: .controller,
            jobID: handoff.jobID, now: now))
    }

    /// Seconds of walltime left for a running job: start + requested − now, or requested − used if smaller.
    func walltimeLeft(_ job: TrackedJob, now: Timestamp) -> Double? {
        guard let since = job.runningSince else { return nil }
        guard let requested = job.last?.walltimeRequested.map(Double.init) ?? spec.role(job.role)?.walltime
        else { return nil }
        var left = since + requested - now
        if let used = job.last?.walltimeUsed { left = min(left, requested - Double(used)) }
        return left
    }

    func event(
        _ kind: ClusterEvent.Kind, _ message: String, role: ClusterRole? = nil, jobID: String? = nil,
        intent: IntentID? = nil, exitStatus: Int? = nil, delay: Double? = nil, now: Timestamp
    ) -> ClusterEvent {
        ClusterEvent(
            kind: kind, cluster: state.cluster, role: role, jobID: jobID, intent: intent, exitStatus: exitStatus,
            delay: delay, message: message, time: now)
    }

    /// A duration for messages: whole seconds below two minutes (`50 s`), else `2m05s`, `1h30m`, `2d3h`. Never
    /// below 0: every duration the messages name is elapsed or still to come, and a clock stepped back (NTP) or a
    /// PBS server whose clock runs ahead would otherwise show as `-42m10s`.
    func seconds(_ value: Double) -> String {
        HumanDuration.text(max(0, value))
    }

    func describe(exitStatus: Int?) -> String {
        guard let status = exitStatus else { return "exit status unknown" }
        if status == -29 { return "walltime exceeded (exit status -29)" }
        if status > 256, status < 256 + 65 { return "killed by signal \(status - 256) (exit status \(status))" }
        return "exit status \(status)"
    }
}
