extension ClusterState {
    /// What makes a loaded state unusable for `cluster`, or nil when it is fine.
    ///
    /// A state file is the daemon's own, but it lives in the user's home and can be edited, truncated or
    /// replaced: a negative engine count would delete every engine, a huge one would plan millions of
    /// submissions. Such a file is refused with a reason instead of being acted on.
    public func problem(forCluster name: String) -> String? {
        let limit = ClusterSpec.maximumEngineCount
        if cluster != name { return "it belongs to cluster \"\(cluster)\", not \"\(name)\"" }
        if formatVersion != 1 { return "format version \(formatVersion) is not one this clusterd reads (1)" }
        for (key, value) in [("engineCount", engineCount), ("specEngineCount", specEngineCount)]
        where !(0...limit).contains(value) {
            return "\(key) is \(value), outside 0...\(limit)"
        }
        // Live jobs and intents: the wanted engines, their renewals, a controller pair, a notebook pair, and
        // jobs being deleted. Far more than that is not a state this daemon wrote.
        let jobLimit = 4 * limit + 16
        if jobs.count > jobLimit { return "it tracks \(jobs.count) jobs, more than \(jobLimit)" }
        if nextSequence < 1 { return "nextSequence is \(nextSequence), must be 1 or more" }
        if controllerGeneration < 0 { return "controllerGeneration is \(controllerGeneration), must be 0 or more" }
        var intents = Set<IntentID>()
        for job in jobs {
            if !intents.insert(job.intent).inserted { return "intent \(job.intent) appears twice" }
            if job.generation < 0 { return "job \(job.label) has generation \(job.generation)" }
            if let id = job.jobID, id.isEmpty || id.contains(where: { $0.isWhitespace || $0.isNewline }) {
                return "job id \"\(id)\" of intent \(job.intent) is not a job id"
            }
        }
        return nil
    }
}
