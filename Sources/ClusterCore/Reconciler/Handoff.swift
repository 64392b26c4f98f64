/// The controller the engines and notebooks connect to: the content of the handoff file.
///
/// The reconciler decides it; the supervisor writes it (atomically) and confirms with `handoffWritten`. Until the
/// confirmation arrives, `ClusterState.handoffOnDisk` still names the old one and nothing that relies on the
/// file (deleting the controller it named before) happens.
public struct Handoff: Sendable, Equatable, Codable {
    /// The controller's address as validated by the supervisor.
    public var address: String
    /// The controller job it belongs to.
    public var jobID: String
    /// The controller generation (also `CLUSTERD_GENERATION` of that controller).
    public var generation: Int
    /// ipyparallel's engine connection file of that controller (`ipengine --file=`).
    public var engineFile: String?
    /// ipyparallel's client connection file of that controller (`ipyparallel.Client(<file>)`).
    public var clientFile: String?
    /// When it was decided.
    public var writtenAt: Timestamp
    /// True once its controller is known dead or deleted; the file must not be trusted any more.
    public var stale: Bool
    /// When it became stale.
    public var staleSince: Timestamp?

    /// A fresh, valid handoff to the controller `jobID` of `generation` at `endpoint`.
    public init(endpoint: ControllerEndpoint, jobID: String, generation: Int, writtenAt: Timestamp) {
        self.address = endpoint.address
        self.engineFile = endpoint.engineFile
        self.clientFile = endpoint.clientFile
        self.jobID = jobID
        self.generation = generation
        self.writtenAt = writtenAt
        self.stale = false
        self.staleSince = nil
    }

    /// The endpoint it names.
    public var endpoint: ControllerEndpoint {
        ControllerEndpoint(address: address, engineFile: engineFile, clientFile: clientFile)
    }
}

/// Where a running controller can be reached, as its job reported it.
public struct ControllerEndpoint: Sendable, Equatable, Codable {
    /// The address ipcontroller listens on (IP literal or resolvable host name).
    public var address: String
    /// Its engine connection file.
    public var engineFile: String?
    /// Its client connection file.
    public var clientFile: String?

    /// An endpoint.
    public init(address: String, engineFile: String? = nil, clientFile: String? = nil) {
        self.address = address
        self.engineFile = engineFile
        self.clientFile = clientFile
    }
}
