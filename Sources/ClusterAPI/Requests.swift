import ClusterCore

/// Body of `POST /v1/clusters/{name}/{start|stop|restart|reset}`; an empty body means every role.
public struct RoleCommandRequest: Codable, Sendable, Equatable {
    /// The role, or nil for every role.
    public var role: ClusterRole?

    /// A request.
    public init(role: ClusterRole? = nil) {
        self.role = role
    }
}

/// Body of `POST /v1/clusters/{name}/scale`.
public struct ScaleRequest: Codable, Sendable, Equatable {
    /// Engine jobs wanted (0 or more).
    public var engines: Int

    /// A request.
    public init(engines: Int) {
        self.engines = engines
    }
}

/// The verbs of the cluster command routes.
public enum ClusterVerb: String, Codable, Sendable, CaseIterable {
    case start, stop, restart, reset
}
