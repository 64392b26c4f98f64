import ClusterCore

/// The stable handoff file that tells engines and notebooks where the current controller is; the control API
/// serves the same document with the same keys.
///
/// clusterd rewrites the file atomically, mode 0600, whenever a new controller reports its address.
public struct HandoffDocument: Codable, Sendable, Equatable {
    public var cluster: String
    /// The controller's address (IP or resolvable host name).
    public var address: String
    public var controllerJob: String
    public var generation: Int
    /// ipyparallel's engine connection file written by that controller (`ipengine --file=`).
    public var engineFile: String
    /// ipyparallel's client connection file (`ipyparallel.Client(<file>)`).
    public var clientFile: String?
    /// When clusterd wrote it, seconds since the epoch.
    public var writtenAt: Int
    /// True when clusterd knows this controller is dead or being replaced: do not connect.
    public var stale: Bool
    /// The controller engine jobs connect to. The same as the top level, except during a planned controller
    /// change, when engines move ahead of the clients.
    public var engines: EnginesPart?

    /// Where engines connect (`"engines"` in the file).
    public struct EnginesPart: Codable, Sendable, Equatable {
        public var controllerJob: String
        public var generation: Int
        public var address: String
        public var engineFile: String
        public var stale: Bool

        public init(controllerJob: String, generation: Int, address: String, engineFile: String, stale: Bool) {
            self.controllerJob = controllerJob
            self.generation = generation
            self.address = address
            self.engineFile = engineFile
            self.stale = stale
        }

        enum CodingKeys: String, CodingKey {
            case generation, address, stale
            case controllerJob = "controller_job"
            case engineFile = "engine_file"
        }
    }

    public init(cluster: String, address: String, controllerJob: String, generation: Int, engineFile: String,
                clientFile: String?, writtenAt: Int, stale: Bool = false) {
        self.cluster = cluster
        self.address = address
        self.controllerJob = controllerJob
        self.generation = generation
        self.engineFile = engineFile
        self.clientFile = clientFile
        self.writtenAt = writtenAt
        self.stale = stale
        self.engines = nil
    }

    /// The document for `handoff` of `cluster`.
    public init(cluster: String, handoff: Handoff) {
        self.init(cluster: cluster, address: handoff.address, controllerJob: handoff.jobID,
                  generation: handoff.generation, engineFile: handoff.engineFile ?? "",
                  clientFile: handoff.clientFile, writtenAt: Int(handoff.writtenAt.seconds), stale: handoff.stale)
        let target = handoff.engines
        engines = EnginesPart(
            controllerJob: target?.jobID ?? handoff.jobID, generation: target?.generation ?? handoff.generation,
            address: target?.endpoint.address ?? handoff.address,
            engineFile: (target?.endpoint.engineFile ?? handoff.engineFile) ?? "",
            stale: target == nil ? handoff.stale : false)
    }

    enum CodingKeys: String, CodingKey {
        case cluster, address, generation, stale, engines
        case controllerJob = "controller_job"
        case engineFile = "engine_file"
        case clientFile = "client_file"
        case writtenAt = "written_at"
    }
}
