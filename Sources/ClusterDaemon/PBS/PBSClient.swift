import PBSCore

/// What the supervisor calls to talk to the batch system. Every method runs at most one PBS process (plus
/// `qstat --version` once, the first time the dialect is needed when it is not configured).
public protocol PBSClient: Sendable {
    /// The dialect in use: the configured one, or detected once with `qstat --version` and cached.
    func detectDialect() async throws(PBSCommandError) -> DialectDetection
    /// Submits a job and returns its id exactly as qsub printed it. A `.timeout` error means the job may
    /// exist anyway: adopt it by name before submitting again.
    func submit(_ request: SubmitRequest) async throws(PBSCommandError) -> String
    /// Asks about `ids` with ONE qstat, whatever their number. No ids: answered at once, nothing runs.
    func query(ids: [String]) async -> PBSQueryResult
    /// `user`'s unfinished jobs, at a cost bounded by that user's own jobs: `qselect -u` then one `qstat -f` of
    /// those ids (OpenPBS, Torque), or Slurm's `qstat -f` filtered by owner.
    func listOwn(user: String) async -> Result<[PBSJob], PBSQueryFailure>
    /// Deletes `ids` with ONE qdel; a verdict for each id.
    func delete(ids: [String]) async -> [String: PBSDeleteVerdict]
    /// Counters for metrics.
    func stats() async -> PBSClientStats
}

