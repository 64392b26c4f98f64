/// What qdel did to one job.
public enum PBSDeleteVerdict: Sendable, Equatable {
    /// The server accepted the deletion. Slurm's wrapper is silent for finished and unknown ids, so there this
    /// also covers "already gone".
    case deleted
    /// The job had already finished (OpenPBS exit 35 `Job has finished`).
    case alreadyFinished
    /// The server does not know the id (exit 153 `Unknown Job Id`).
    case unknown
    /// The deletion failed or its result is not known (server down, timeout, other error).
    case failed(PBSCommandError)
}
