import ClusterAPI

/// Why a control-API call failed.
public enum ClusterClientError: Error, Sendable, CustomStringConvertible {
    /// Nothing listens on the socket: no file there, or a socket left by a daemon that died.
    case notRunning(socketPath: String, stale: Bool)
    /// Something other than a socket is at the socket path (`kind`: "a regular file", "a directory"...).
    case notASocket(socketPath: String, kind: String)
    /// The socket could not be used.
    case connection(String)
    /// The daemon answered with an error.
    case api(status: Int, body: APIErrorBody)
    /// The answer was not what the API promises.
    case protocolError(String)

    public var description: String {
        switch self {
        case .notRunning(let path, let stale):
            "clusterd is not running (" + (stale ? "stale socket at \(path), left by a crash; it is removed at the "
                + "next start" : "no socket at \(path)") + "). Start it with: systemctl --user start clusterd"
        case .notASocket(let path, let kind) where kind == "a directory":
            "\(path) is a directory, not a socket: daemon.socket (or --socket) must name the socket file in it, "
                + "e.g. \(path)/clusterd.sock"
        case .notASocket(let path, let kind):
            "\(path) is \(kind), not a socket: check daemon.socket in the configuration (or --socket); "
                + "clusterd will not start on it either"
        case .connection(let text): text
        case .api(_, let body): body.error.message
        case .protocolError(let text): "unexpected answer from clusterd: \(text)"
        }
    }
}
