/// One thing the supervisor must do. Actions are data; the reconciler never performs I/O.
///
/// Contract: after every mutating call, the supervisor persists `Reconciler.state` **before** performing the
/// returned actions (so a recorded intent is on disk before its `qsub`), then performs them in order and feeds
/// results back (`submitted`/`submitFailed`, `controllerAddress`, `deleted`, `handoffWritten`/`handoffWriteFailed`).
public enum ReconcileAction: Sendable, Equatable {
    /// Run `qsub`; report with `submitted(intent:jobID:now:)` or `submitFailed(intent:error:now:)`.
    case submit(SubmitIntent)
    /// Run one `qdel` for these ids; report failures with `deleted(jobIDs:error:now:)`.
    case delete(jobIDs: [String], reason: RetireReason)
    /// Read and validate the address file this running controller wrote; report with `controllerAddress`.
    case readControllerAddress(jobID: String, generation: Int)
    /// Read the health report of this running controller (engines registered with it); report with
    /// `controllerHealth`.
    case readControllerHealth(jobID: String)
    /// Read the report of this running engine job (its MPI processes); report with `engineReported`.
    case readEngineReport(jobID: String)
    /// Atomically write the handoff file (temp file, fsync, rename, fsync directory); a `stale` handoff tells
    /// readers not to trust the address. Report with `handoffWritten` or `handoffWriteFailed`.
    case writeHandoff(Handoff)
    /// Log the event, keep it in the ring, serve it on the API.
    case emit(ClusterEvent)
}
