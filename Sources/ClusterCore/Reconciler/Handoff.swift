/// The controller address the engines and notebooks read, as last written by the supervisor.
public struct Handoff: Sendable, Equatable, Codable {
    /// The controller's address as validated by the supervisor.
    public var address: String
    /// The controller job it belongs to.
    public var jobID: String
    /// The controller generation (also `CLUSTERD_GENERATION` of that controller and its engines).
    public var generation: Int
    /// When it was written.
    public var writtenAt: Timestamp
    /// True once its controller is known dead or deleted; the file must not be trusted any more.
    public var stale: Bool
    /// When it became stale.
    public var staleSince: Timestamp?

    /// A fresh, valid handoff.
    public init(address: String, jobID: String, generation: Int, writtenAt: Timestamp) {
        self.address = address
        self.jobID = jobID
        self.generation = generation
        self.writtenAt = writtenAt
        self.stale = false
        self.staleSince = nil
    }
}
