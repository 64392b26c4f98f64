import ClusterAPI

/// Why a control-API call failed.
public enum ClusterClientError: Error, Sendable, CustomStringConvertible {
    /// Nothing listens on the socket (no file, or a stale one).
    case notRunning(socketPath: String)
    /// The socket could not be used.
    case connection(String)
    /// The daemon answered with an error.
    case api(status: Int, body: APIErrorBody)
    /// The answer was not what the API promises.
    case protocolError(String)

    public var description: String {
        switch self {
        case .notRunning(let path):
            "clusterd is not running (no socket at \(path)). Start it with: systemctl --user start clusterd"
        case .connection(let text): text
        case .api(_, let body): body.error.message
        case .protocolError(let text): "unexpected answer from clusterd: \(text)"
        }
    }
}
