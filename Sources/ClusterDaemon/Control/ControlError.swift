import ClusterAPI

/// A control-API failure with its machine code; the server answers it as `{"error": {...}}`.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The machine code (which implies the HTTP status).
    public var code: APIErrorCode
    /// A sentence for users.
    public var message: String

    /// An error.
    public init(_ code: APIErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The JSON body.
    public var body: APIErrorBody { APIErrorBody(code: code, message: message) }

    public var description: String { "\(code.rawValue): \(message)" }
}
