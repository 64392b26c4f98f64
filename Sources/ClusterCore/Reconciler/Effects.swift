/// Collects the actions of one reconciler call; deletions are batched per reason into one `qdel` each.
struct Effects {
    private(set) var actions: [ReconcileAction] = []
    private var deletions: [(reason: RetireReason, jobID: String)] = []

    mutating func append(_ action: ReconcileAction) {
        actions.append(action)
    }

    mutating func emit(_ event: ClusterEvent) {
        actions.append(.emit(event))
    }

    mutating func delete(_ jobID: String, reason: RetireReason) {
        guard !deletions.contains(where: { $0.jobID == jobID }) else { return }
        deletions.append((reason, jobID))
    }

    /// Number of submissions of `role` collected so far.
    func submissions(of role: ClusterRole) -> Int {
        actions.reduce(0) { count, action in
            if case .submit(let intent) = action, intent.role == role { return count + 1 }
            return count
        }
    }

    /// Number of deletions for `reason` collected so far.
    func deletions(for reason: RetireReason) -> Int {
        deletions.filter { $0.reason == reason }.count
    }

    /// Events and other actions in decision order, then one `delete` per reason.
    func finished() -> [ReconcileAction] {
        var reasons: [RetireReason] = []
        var ids: [RetireReason: [String]] = [:]
        for deletion in deletions {
            if ids[deletion.reason] == nil { reasons.append(deletion.reason) }
            ids[deletion.reason, default: []].append(deletion.jobID)
        }
        return actions + reasons.map { .delete(jobIDs: ids[$0] ?? [], reason: $0) }
    }
}
