/// One attribute of a job as qstat prints it: `name` or `name.resource` and its value.
public struct QstatAttribute: Sendable, Equatable {
    public var name: String
    /// The resource part of `Resource_List.ncpus` / `resources_used.mem`; nil for plain attributes.
    public var resource: String?
    public var value: String

    public init(_ name: String, resource: String? = nil, _ value: String) {
        self.name = name
        self.resource = resource
        self.value = value
    }

    /// `name` or `name.resource`, the key as `qstat -f` prints it.
    public var fullName: String {
        resource.map { "\(name).\($0)" } ?? name
    }
}

/// One job as qstat prints it: its id and attributes in server order.
public struct QstatJob: Sendable, Equatable {
    public var id: String
    public var attributes: [QstatAttribute]

    public init(id: String, attributes: [QstatAttribute]) {
        self.id = id
        self.attributes = attributes
    }

    /// The first value of the attribute `fullName` (`job_state`, `Resource_List.walltime`).
    public func value(_ fullName: String) -> String? {
        attributes.first { $0.fullName == fullName }?.value
    }
}
