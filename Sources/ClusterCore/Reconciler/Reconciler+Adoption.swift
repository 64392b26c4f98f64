import PBSCore

extension Reconciler {
    /// The role of a job that belongs to this cluster: by its `CLUSTERD_CLUSTER`/`CLUSTERD_ROLE` tags, or, for
    /// listings without `Variable_List` (Slurm wrappers), by its exact job name. Nil for anything else.
    func ownRole(of job: PBSJob) -> ClusterRole? {
        if let cluster = job.variables[JobTag.cluster] {
            guard cluster == spec.name else { return nil }
            if let role = job.variables[JobTag.role].flatMap(ClusterRole.init(rawValue:)) { return role }
        }
        return ClusterRole.allCases.first { spec.jobName(for: $0) == job.name }
    }

    mutating func adoptJobs(_ listing: [PBSJob], now: Timestamp, _ effects: inout Effects) {
        // Controllers first, so engines without a generation tag take the adopted controller's.
        let ours = listing.compactMap { job in
            job.isArrayParent ? nil : ownRole(of: job).map { (job: job, role: $0) }
        }.sorted { ($0.role == .controller ? 0 : 1) < ($1.role == .controller ? 0 : 1) }
        var claimed = Set<String>()

        for entry in ours {
            guard let tracked = state.jobs.first(where: { $0.jobID == entry.job.id }) else { continue }
            claimed.insert(entry.job.id)
            observe(tracked.intent, .found(entry.job), now: now, &effects)
        }

        for intent in state.jobs.filter({ $0.jobID == nil }).map(\.intent) {
            guard let index = index(of: intent) else { continue }
            let role = state.jobs[index].role
            let match =
                ours.first { !claimed.contains($0.job.id) && $0.job.variables[JobTag.intent] == intent.rawValue }
                ?? ours.first {
                    !claimed.contains($0.job.id) && $0.job.variables[JobTag.intent] == nil && $0.role == role
                        && !$0.job.state.isTerminal
                }
            guard let match else {
                let dropped = state.jobs.remove(at: index)
                unlinkReplacement(of: intent)
                effects.emit(event(
                    .intentDropped,
                    "no job found for \(dropped.role.rawValue) intent \(intent): qsub did not run before the " +
                        "restart; the normal rules submit again",
                    role: dropped.role, intent: intent, now: now))
                continue
            }
            claimed.insert(match.job.id)
            state.jobs[index].jobID = match.job.id
            state.jobs[index].submittedAt = now
            state.jobs[index].adopted = true
            effects.emit(event(
                .adopted,
                "found \(role.rawValue) job \(match.job.id) for intent \(intent) submitted before the restart",
                role: role, jobID: match.job.id, intent: intent, now: now))
            if let reason = state.jobs[index].retiring {
                state.jobs[index].deleteRequestedAt = now
                effects.delete(match.job.id, reason: reason)
            }
            observe(intent, .found(match.job), now: now, &effects)
        }

        for entry in ours where !claimed.contains(entry.job.id) && !entry.job.state.isTerminal {
            claimed.insert(entry.job.id)
            adoptUntracked(entry.job, role: entry.role, now: now, &effects)
        }
    }

    /// Own live jobs in `listing` that nothing tracks, leaving out jobs that may belong to a qsub still running
    /// (tagged with a tracked intent, or untagged while an intent of their role waits for its id).
    func strays(in listing: [PBSJob]) -> [(job: PBSJob, role: ClusterRole)] {
        let trackedIDs = Set(state.jobs.compactMap(\.jobID))
        let trackedIntents = Set(state.jobs.map(\.intent.rawValue))
        let waitingRoles = Set(state.jobs.filter { $0.jobID == nil }.map(\.role))
        return listing.compactMap { job in
            guard !job.isArrayParent, !job.state.isTerminal, !trackedIDs.contains(job.id),
                let role = ownRole(of: job)
            else { return nil }
            if let tag = job.variables[JobTag.intent] { return trackedIntents.contains(tag) ? nil : (job, role) }
            return waitingRoles.contains(role) ? nil : (job, role)
        }.sorted { ($0.role == .controller ? 0 : 1) < ($1.role == .controller ? 0 : 1) }
    }

    /// Tracks a live job of this cluster that the state does not know, with its `CLUSTERD_GENERATION`.
    mutating func adoptUntracked(_ job: PBSJob, role: ClusterRole, now: Timestamp, _ effects: inout Effects) {
        let tagged = job.variables[JobTag.generation].flatMap { Int($0) }
        let generation: Int
        switch role {
        case .controller: generation = tagged ?? state.controllerGeneration + 1
        case .engine: generation = tagged ?? state.controllerGeneration
        case .notebook: generation = tagged ?? 0
        }
        if role == .controller {
            state.controllerGeneration = max(state.controllerGeneration, generation)
        }
        var intent = job.variables[JobTag.intent].map(IntentID.init) ?? IntentID("adopted-\(job.id)")
        if index(of: intent) != nil { intent = IntentID("duplicate-\(job.id)") }
        var tracked = TrackedJob(
            intent: intent, sequence: state.nextSequence, role: role, generation: generation, intentAt: now)
        state.nextSequence += 1
        tracked.jobID = job.id
        tracked.submittedAt = now
        tracked.adopted = true
        state.jobs.append(tracked)
        effects.emit(event(
            .adopted,
            "adopted \(role.rawValue) job \(job.id) (generation \(generation), \(job.state.rawValue)) not in the " +
                "saved state",
            role: role, jobID: job.id, intent: intent, now: now))
        observe(intent, .found(job), now: now, &effects)
    }
}
