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
    /// Where engine jobs connect while a planned controller change moves them ahead of the clients; nil: the
    /// same controller as the clients.
    public var engines: EngineTarget?

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
        self.engines = nil
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

/// The controller engines move to before the clients do (a walltime renewal): the engine jobs start new
/// `ipengine`s against it inside their allocations, and the clients follow once they are registered there.
public struct EngineTarget: Sendable, Equatable, Codable {
    /// The new controller's job.
    public var jobID: String
    /// Its generation.
    public var generation: Int
    /// Where it listens and its connection files.
    public var endpoint: ControllerEndpoint
    /// When the engines were told to move.
    public var since: Timestamp
    /// Engines registered with the old controller when they were told to move: the clients move once the new
    /// one has as many.
    public var expected: Int

    /// A target.
    public init(jobID: String, generation: Int, endpoint: ControllerEndpoint, since: Timestamp, expected: Int) {
        self.jobID = jobID
        self.generation = generation
        self.endpoint = endpoint
        self.since = since
        self.expected = expected
    }
}

/// What a controller's health report said when it was last read: the engines registered with it.
public struct ControllerHealth: Sendable, Equatable, Codable {
    /// Engine processes registered with the controller.
    public var registered: Int
    /// The report's own time (the job's clock), seconds since the epoch.
    public var reportedAt: Double
    /// When clusterd last saw the report's time advance (clusterd's clock): the controller was alive then.
    public var freshAt: Timestamp

    /// A reading.
    public init(registered: Int, reportedAt: Double, freshAt: Timestamp) {
        self.registered = registered
        self.reportedAt = reportedAt
        self.freshAt = freshAt
    }
}
