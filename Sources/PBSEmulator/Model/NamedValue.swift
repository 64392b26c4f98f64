/// A name and a value, kept in order (resources, environment variables).
public struct NamedValue: Sendable, Equatable, Codable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
