/// The body of every error response: `{"error": {"code": "...", "message": "..."}}`.
public struct APIErrorBody: Codable, Sendable, Equatable, Error {
    /// The error itself.
    public var error: APIErrorDetail

    /// An error body with a machine-readable code and a sentence for users.
    public init(code: APIErrorCode, message: String) {
        self.error = APIErrorDetail(code: code.rawValue, message: message)
    }
}

/// A machine-readable code and a human sentence.
public struct APIErrorDetail: Codable, Sendable, Equatable {
    /// One of `APIErrorCode`'s raw values (kept a string so old clients read new codes).
    public var code: String
    /// What went wrong and, where possible, what to do.
    public var message: String

    /// An error detail.
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}

/// The error codes the control API uses, with their HTTP status.
public enum APIErrorCode: String, Sendable, CaseIterable {
    /// 400: malformed JSON, a bad parameter or an invalid configuration on reload.
    case badRequest = "bad_request"
    /// 403: the peer's UID is not the daemon's.
    case forbidden
    /// 403: the request carries an `Origin` header (a browser).
    case originRefused = "origin_refused"
    /// 404: no such route.
    case notFound = "not_found"
    /// 404: no such cluster.
    case clusterNotFound = "cluster_not_found"
    /// 405: the route exists but not with this method.
    case methodNotAllowed = "method_not_allowed"
    /// 409: the command conflicts with the cluster's configuration or state.
    case conflict
    /// 413: the request body exceeds 1 MiB.
    case payloadTooLarge = "payload_too_large"
    /// 500: a bug.
    case `internal`
    /// 503: the daemon is starting or stopping.
    case unavailable

    /// The HTTP status code that goes with the code.
    public var httpStatus: Int {
        switch self {
        case .badRequest: 400
        case .forbidden, .originRefused: 403
        case .notFound, .clusterNotFound: 404
        case .methodNotAllowed: 405
        case .conflict: 409
        case .payloadTooLarge: 413
        case .internal: 500
        case .unavailable: 503
        }
    }
}
