/// A structured record of one decision or observation, for logs, the event ring and the API.
public struct ClusterEvent: Sendable, Equatable, Codable {
    /// What happened.
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        case submitted, submitFailed, running, died, restarting, failed, exited
        /// A job clusterd deleted is gone.
        case ended
        /// clusterd asked for a job to be deleted.
        case retired
        case deleteFailed
        case handoffWritten, handoffWriteFailed, handoffStale, addressUnavailable
        /// Engines follow a new controller inside their jobs (no engine job is resubmitted).
        case enginesFollow
        /// A planned controller change: engines move to the new controller first, clients once they are there.
        case enginesMoving
        /// A running controller's health report stopped advancing; it is replaced.
        case healthTimeout
        /// A running controller never reported its address within the timeout; it is replaced.
        case addressTimeout
        case qstatFailed, qstatRecovered
        /// A replacement was submitted before the walltime ends.
        case renewing
        /// The replacement took over; the old job is being deleted.
        case renewed
        case adopted, intentDropped, unknownIntent
        case started, stopped, restarted, reset, scaled
        case specReloaded, reloadRejected, commandRejected
    }

    /// What happened.
    public var kind: Kind
    /// The cluster's name.
    public var cluster: String
    /// The role concerned, if any.
    public var role: ClusterRole?
    /// The job concerned, if any.
    public var jobID: String?
    /// The intent concerned, if any.
    public var intent: IntentID?
    /// Exit status for `died`, when known.
    public var exitStatus: Int?
    /// Seconds until the next attempt, for `restarting`.
    public var delay: Double?
    /// A sentence for users.
    public var message: String
    /// When it was decided.
    public var time: Timestamp

    /// An event.
    public init(
        kind: Kind, cluster: String, role: ClusterRole? = nil, jobID: String? = nil, intent: IntentID? = nil,
        exitStatus: Int? = nil, delay: Double? = nil, message: String, time: Timestamp
    ) {
        self.kind = kind
        self.cluster = cluster
        self.role = role
        self.jobID = jobID
        self.intent = intent
        self.exitStatus = exitStatus
        self.delay = delay
        self.message = message
        self.time = time
    }
}
