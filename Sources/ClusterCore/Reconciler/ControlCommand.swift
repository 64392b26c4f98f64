/// A lifecycle command from the control API. A nil role means every role of the cluster.
public enum ControlCommand: Sendable, Equatable, Codable {
    /// Want the role(s) running; clears a failed/exited hold, the start-limit window and the backoff.
    case start(ClusterRole?)
    /// Delete the role(s)' jobs; no restarts until started again.
    case stop(ClusterRole?)
    /// Delete and resubmit now; not counted as a failure.
    case restart(ClusterRole?)
    /// Clear the hold, the start-limit window and the backoff without changing what is wanted.
    case reset(ClusterRole?)
    /// Keep this many engine jobs (until the configured count changes).
    case scale(engines: Int)
}
