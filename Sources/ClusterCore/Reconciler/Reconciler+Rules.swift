extension Reconciler {
    /// Brings the jobs towards the spec: retire what must go, renew what runs out of walltime, submit what is
    /// missing, ask for a new controller's address. Does nothing while qstat fails ("unknown is not dead").
    mutating func reconcile(now: Timestamp, _ effects: inout Effects) {
        guard !state.stale else { return }
        finishSlowSwitch(now: now, &effects)
        retireReplacedControllers(now: now, &effects)
        retireOrphanedEngines(now: now, &effects)
        retireRenewedJobs(now: now, &effects)
        retireSurplus(now: now, &effects)
        renew(now: now, &effects)
        submitMissing(now: now, &effects)
        requestControllerAddress(&effects)
    }

    /// Jobs of `role` wanted now. A held role keeps its wanted count: the hold only stops submissions.
    func wantedCount(_ role: ClusterRole) -> Int {
        guard spec.role(role) != nil, state[role].desired == .running else { return 0 }
        return role == .engine ? state.engineCount : 1
    }

    func canSubmit(_ role: ClusterRole, now: Timestamp) -> Bool {
        let roleState = state[role]
        return !state.stale && spec.role(role) != nil && roleState.desired == .running && roleState.hold == nil
            && (roleState.backoffUntil.map { now >= $0 } ?? true)
    }

    /// The generation readers of the handoff file see: the valid handoff confirmed on disk.
    var handoffGeneration: Int? {
        state.handoffOnDisk.flatMap { $0.stale ? nil : $0.generation }
    }

    /// The generation of the valid handoff decided, written or not.
    var decidedHandoffGeneration: Int? {
        state.handoff.flatMap { $0.stale ? nil : $0.generation }
    }

    /// The controller generation new engines connect to, and the controller job to depend on when the engines
    /// are submitted before its handoff is written (only with `dependAfterSupported`).
    func engineTarget() -> (generation: Int, dependAfter: String?)? {
        let handoffGeneration = handoffGeneration
        if spec.dependAfterSupported,
            let newest = state.jobs.filter({ $0.role == .controller && $0.isCounted && $0.jobID != nil })
                .max(by: { $0.generation < $1.generation }),
            newest.generation > (handoffGeneration ?? Int.min)
        {
            return (newest.generation, newest.jobID)
        }
        return handoffGeneration.map { ($0, nil) }
    }

    // MARK: Retiring

    mutating func retire(_ index: Int, reason: RetireReason, now: Timestamp, _ effects: inout Effects) {
        guard state.jobs[index].retiring == nil else { return }
        state.jobs[index].retiring = reason
        let job = state.jobs[index]
        if let jobID = job.jobID {
            state.jobs[index].deleteRequestedAt = now
            effects.delete(jobID, reason: reason)
        }
        unlinkReplacement(of: job.intent)
        effects.emit(event(
            .retired, "deleting \(job.role.rawValue) \(job.label): \(reason.rawValue)", role: job.role,
            jobID: job.jobID, intent: job.intent, now: now))
        if job.role == .controller, let id = job.jobID {
            controllerGone(id, why: "controller \(id) is being deleted (\(reason.rawValue))", now: now, &effects)
        }
    }

    mutating func retireAll(of role: ClusterRole, reason: RetireReason, now: Timestamp, _ effects: inout Effects) {
        for index in state.jobs.indices where state.jobs[index].role == role {
            retire(index, reason: reason, now: now, &effects)
        }
    }

    /// Once the handoff file points at a newer controller, older controllers go (a renewal completes here).
    private mutating func retireReplacedControllers(now: Timestamp, _ effects: inout Effects) {
        guard let current = state.handoffOnDisk, !current.stale, !state.handoffUnwritten else { return }
        for index in state.jobs.indices {
            let job = state.jobs[index]
            guard job.role == .controller, job.retiring == nil, job.generation < current.generation else { continue }
            retire(index, reason: job.replacedBy != nil ? .renewed : .surplus, now: now, &effects)
            if job.replacedBy != nil {
                effects.emit(event(
                    .renewed, "controller \(job.label) renewed: controller \(current.jobID) took over",
                    role: .controller, jobID: job.jobID, now: now))
            }
        }
    }

    /// Engines follow the controller inside their jobs, so a new or lost controller deletes none. Only a
    /// stopped controller role leaves them with nothing to connect to: then they go.
    private mutating func retireOrphanedEngines(now: Timestamp, _ effects: inout Effects) {
        guard state[.controller].desired == .stopped else { return }
        for index in state.jobs.indices where state.jobs[index].role == .engine && state.jobs[index].retiring == nil {
            retire(index, reason: .controllerLost, now: now, &effects)
        }
    }

    /// Clients move to the engines' new controller after `spec.switchTimeout` even when not every engine
    /// registered there (some may have died on the way).
    private mutating func finishSlowSwitch(now: Timestamp, _ effects: inout Effects) {
        guard let handoff = state.handoff, !handoff.stale, let target = handoff.engines,
            now - target.since >= spec.switchTimeout
        else { return }
        let registered = state.jobs.first { $0.jobID == target.jobID }?.health?.registered ?? 0
        publishAll(
            endpoint: target.endpoint, jobID: target.jobID, generation: target.generation,
            why: "only \(registered) of \(target.expected) engine(s) registered there after " +
                "\(seconds(now - target.since))",
            now: now, &effects)
    }

    /// Asks for the reports of what runs: the health of the controllers in the handoff, and the process count of
    /// engine jobs that have not said it yet. Only from ticks: a reading never leads to another reading.
    mutating func requestReports(_ effects: inout Effects) {
        let handoff = state.handoff.flatMap { $0.stale ? nil : $0 }
        let watched = Set([handoff?.jobID, handoff?.engines?.jobID].compactMap { $0 })
        for job in state.jobs where job.retiring == nil && job.isRunning {
            guard let id = job.jobID else { continue }
            if job.role == .controller, watched.contains(id) { effects.append(.readControllerHealth(jobID: id)) }
            if job.role == .engine, job.processes == nil { effects.append(.readEngineReport(jobID: id)) }
        }
    }

    /// A renewed engine or notebook goes once its replacement runs.
    private mutating func retireRenewedJobs(now: Timestamp, _ effects: inout Effects) {
        for index in state.jobs.indices {
            let job = state.jobs[index]
            guard job.role != .controller, job.retiring == nil, let next = job.replacedBy,
                let nextIndex = self.index(of: next), state.jobs[nextIndex].runningSince != nil
            else { continue }
            let nextLabel = state.jobs[nextIndex].label
            retire(index, reason: .renewed, now: now, &effects)
            effects.emit(event(
                .renewed, "\(job.role.rawValue) \(job.label) renewed: \(nextLabel) runs now", role: job.role,
                jobID: job.jobID, now: now))
        }
    }

    /// More jobs than wanted: keep the best controller, delete the newest engines and notebooks first.
    private mutating func retireSurplus(now: Timestamp, _ effects: inout Effects) {
        for role in ClusterRole.allCases {
            let wanted = wantedCount(role)
            let reason: RetireReason =
                spec.role(role) == nil ? .roleRemoved
                : state[role].desired == .stopped ? .stopped
                : role == .engine ? .scaledDown : .surplus
            let counted = state.jobs.filter { $0.role == role && $0.isCounted }
            for group in [counted] where group.count > wanted {
                // Controllers: keep the best. Others: delete the newest first.
                let doomed = role == .controller
                    ? Array(group.sorted(by: controllerRank).dropFirst(wanted))
                    : Array(group.sorted { $0.sequence > $1.sequence }.prefix(group.count - wanted))
                for job in doomed {
                    // A renewal replacement and the job it replaces are one slot: both go. Retiring only the
                    // replacement would make the old job count again and be renewed at once, a qsub/qdel loop.
                    for old in state.jobs.indices where state.jobs[old].replacedBy == job.intent {
                        retire(old, reason: reason, now: now, &effects)
                    }
                    if let index = index(of: job.intent) { retire(index, reason: reason, now: now, &effects) }
                }
            }
        }
    }

    /// Best controller first: the handoff's, then running, then the oldest (the intent on record, queued longest).
    private func controllerRank(_ lhs: TrackedJob, _ rhs: TrackedJob) -> Bool {
        let handoffJob = state.handoff.flatMap { $0.stale ? nil : $0.jobID }
        let key = { (job: TrackedJob) in (job.jobID == handoffJob ? 1 : 0, job.isRunning ? 1 : 0) }
        let (left, right) = (key(lhs), key(rhs))
        if left != right { return left > right }
        return lhs.sequence < rhs.sequence
    }

    // MARK: Submitting

    /// Starts replacements for running jobs whose walltime runs out within the role's `renewBefore`.
    private mutating func renew(now: Timestamp, _ effects: inout Effects) {
        for role in ClusterRole.allCases {
            guard let margin = spec.role(role)?.renewBefore, canSubmit(role, now: now) else { continue }
            for intent in state.jobs.filter({ $0.role == role && $0.isCounted && $0.isRunning }).map(\.intent) {
                guard state.submitBudget > 0, let index = index(of: intent),
                    let left = walltimeLeft(state.jobs[index], now: now),
                    left < margin
                else { continue }
                let old = state.jobs[index]
                var generation = 0
                var dependAfter: String?
                switch role {
                case .controller:
                    generation = state.controllerGeneration + 1
                case .engine:
                    guard let target = engineTarget() else { continue }
                    (generation, dependAfter) = target
                case .notebook:
                    break
                }
                let replacement = submit(
                    role, generation: generation, dependAfter: dependAfter, reason: .renewal, now: now, &effects)
                if let index = self.index(of: intent) { state.jobs[index].replacedBy = replacement }
                state[role].restartPending = false
                effects.emit(event(
                    .renewing,
                    "\(role.rawValue) \(old.label) has \(seconds(left.rounded(.down))) of walltime left (renewal " +
                        "margin \(seconds(margin))); replacement \(replacement) submitted",
                    role: role, jobID: old.jobID, intent: replacement, now: now))
            }
        }
    }

    /// Submits what is wanted and missing, within the tick's budget (`spec.submitBurst`); the rest follows at the
    /// next ticks.
    private mutating func submitMissing(now: Timestamp, _ effects: inout Effects) {
        if canSubmit(.controller, now: now) {
            let have = state.jobs.filter { $0.role == .controller && $0.isCounted }.count
            for _ in have..<max(have, wantedCount(.controller)) where state.submitBudget > 0 {
                submit(.controller, generation: state.controllerGeneration + 1, dependAfter: nil,
                       reason: pendingReason(.controller), now: now, &effects)
            }
        }
        if canSubmit(.engine, now: now), let target = engineTarget() {
            // Engines of any generation count: they follow the controller inside their jobs.
            let have = state.jobs.filter { $0.role == .engine && $0.isCounted }.count
            let reason = pendingReason(.engine)
            for _ in have..<max(have, wantedCount(.engine)) where state.submitBudget > 0 {
                submit(.engine, generation: target.generation, dependAfter: target.dependAfter, reason: reason,
                       now: now, &effects)
            }
        }
        if canSubmit(.notebook, now: now) {
            let have = state.jobs.filter { $0.role == .notebook && $0.isCounted }.count
            for _ in have..<max(have, wantedCount(.notebook)) where state.submitBudget > 0 {
                submit(.notebook, generation: 0, dependAfter: nil, reason: pendingReason(.notebook), now: now,
                       &effects)
            }
        }
    }

    private mutating func pendingReason(_ role: ClusterRole) -> SubmitIntent.Reason {
        defer { state[role].restartPending = false }
        return state[role].restartPending ? .restart : .wanted
    }

    /// Records the intent in the state and returns the `submit` action for it.
    @discardableResult
    mutating func submit(
        _ role: ClusterRole, generation: Int, dependAfter: String?, reason: SubmitIntent.Reason, now: Timestamp,
        _ effects: inout Effects
    ) -> IntentID {
        let sequence = state.nextSequence
        state.nextSequence += 1
        state.submitBudget -= 1
        let intent = IntentID("i\(Int64(now.seconds.rounded(.down)))-\(sequence)")
        if role == .controller { state.controllerGeneration = max(state.controllerGeneration, generation) }
        state.jobs.append(
            TrackedJob(intent: intent, sequence: sequence, role: role, generation: generation, intentAt: now))
        effects.append(.submit(SubmitIntent(
            intent: intent, role: role, generation: generation, jobName: spec.jobName(for: role),
            variables: [
                JobTag.cluster: spec.name, JobTag.role: role.rawValue, JobTag.generation: String(generation),
                JobTag.intent: intent.rawValue,
            ],
            dependAfter: dependAfter, reason: reason)))
        return intent
    }

    /// Asks for the address of the newest running controller the handoff does not point at yet.
    private func requestControllerAddress(_ effects: inout Effects) {
        let decided = state.handoff.flatMap { $0.stale ? nil : max($0.generation, $0.engines?.generation ?? 0) }
        let current = decided
        let candidate = state.jobs.filter {
            $0.role == .controller && $0.retiring == nil && $0.isRunning && $0.jobID != nil
                && $0.generation > (current ?? Int.min)
        }.max { $0.generation < $1.generation }
        if let candidate, let jobID = candidate.jobID {
            effects.append(.readControllerAddress(jobID: jobID, generation: candidate.generation))
        }
    }
}
