import ClusterAPI
import ClusterCore

/// A typed client for the clusterd control API on its unix socket. Every call is one blocking request.
public struct ClusterClient: Sendable {
    /// The daemon's socket.
    public var socketPath: String
    /// Bounds every read and write of a non-streaming call, in seconds.
    public var timeout: Double

    /// A client for the daemon listening on `socketPath`.
    public init(socketPath: String, timeout: Double = 30) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// `GET /v1/health`.
    public func health() throws(ClusterClientError) -> HealthResponse {
        try call("GET", APIPaths.health)
    }

    /// `GET /v1/status`: version, uptime, dialect, last tick.
    public func daemonStatus() throws(ClusterClientError) -> DaemonStatus {
        try call("GET", APIPaths.status)
    }

    /// `GET /v1/clusters`: every cluster in full.
    public func clusters() throws(ClusterClientError) -> ClusterList {
        try call("GET", APIPaths.clusters)
    }

    /// `GET /v1/clusters/{name}`.
    public func cluster(_ name: String) throws(ClusterClientError) -> ClusterDetail {
        try call("GET", APIPaths.cluster(name))
    }

    /// `POST /v1/clusters/{name}/{verb}` for one role or (nil) every role; answers the cluster afterwards.
    public func command(_ verb: ClusterVerb, cluster: String, role: ClusterRole? = nil)
        throws(ClusterClientError) -> ClusterDetail {
        try call("POST", APIPaths.cluster(cluster) + "/" + verb.rawValue, body: RoleCommandRequest(role: role))
    }

    /// `POST /v1/clusters/{name}/scale`.
    public func scale(cluster: String, engines: Int) throws(ClusterClientError) -> ClusterDetail {
        try call("POST", APIPaths.cluster(cluster) + "/scale", body: ScaleRequest(engines: engines))
    }

    /// `POST /v1/reload`: the daemon rereads its configuration file.
    public func reload() throws(ClusterClientError) -> ReloadResponse {
        try call("POST", APIPaths.reload)
    }

    /// `GET /v1/events`: the events kept in memory, oldest first.
    public func events(cluster: String? = nil, since: Double? = nil) throws(ClusterClientError) -> [ClusterEvent] {
        try call("GET", Self.eventsPath(cluster: cluster, since: since, follow: false))
    }

    /// `GET /v1/events?follow=true`: calls `handler` with each event (past ones first) until it returns false or
    /// the daemon closes the stream.
    public func followEvents(cluster: String? = nil, since: Double? = nil,
                             handler: (ClusterEvent) throws -> Bool) throws {
        let connection = try UnixHTTPConnection(socketPath: socketPath, timeout: nil)
        try connection.send(method: "GET", path: Self.eventsPath(cluster: cluster, since: since, follow: true),
                            body: nil)
        let (status, headers) = try connection.readHead()
        var pending: [UInt8] = []
        if status != 200 {
            try connection.readBody(headers: headers) { pending += $0; return true }
            throw Self.failure(status: status, body: pending)
        }
        try connection.readBody(headers: headers) { bytes in
            pending += bytes
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if line.isEmpty { continue }
                let event = try APIJSON.decode(ClusterEvent.self, from: line)
                if try !handler(event) { return false }
            }
            return true
        }
    }

    /// `GET /metrics`: Prometheus text.
    public func metrics() throws(ClusterClientError) -> String {
        let (status, body) = try raw("GET", APIPaths.metrics, body: nil)
        guard status == 200 else { throw Self.failure(status: status, body: body) }
        return String(decoding: body, as: UTF8.self)
    }

    /// One request with a raw body; answers the status and the body bytes (for tests and odd requests).
    public func raw(_ method: String, _ path: String, body: [UInt8]?) throws(ClusterClientError)
        -> (status: Int, body: [UInt8]) {
        let connection = try UnixHTTPConnection(socketPath: socketPath, timeout: timeout)
        try connection.send(method: method, path: path, body: body)
        let (status, headers) = try connection.readHead()
        var data: [UInt8] = []
        do {
            try connection.readBody(headers: headers) { data += $0; return true }
        } catch let error as ClusterClientError {
            throw error
        } catch {
            throw .protocolError("\(error)")
        }
        return (status, data)
    }

    // MARK: - Plumbing

    private func call<Response: Decodable>(_ method: String, _ path: String) throws(ClusterClientError) -> Response {
        try decode(raw(method, path, body: nil))
    }

    private func call<Request: Encodable, Response: Decodable>(_ method: String, _ path: String, body: Request)
        throws(ClusterClientError) -> Response {
        let bytes: [UInt8]
        do {
            bytes = try APIJSON.encode(body)
        } catch {
            throw .protocolError("cannot encode the request: \(error)")
        }
        return try decode(raw(method, path, body: bytes))
    }

    private func decode<Response: Decodable>(_ answer: (status: Int, body: [UInt8]))
        throws(ClusterClientError) -> Response {
        guard (200..<300).contains(answer.status) else { throw Self.failure(status: answer.status, body: answer.body) }
        do {
            return try APIJSON.decode(Response.self, from: answer.body)
        } catch {
            throw .protocolError("cannot decode \(Response.self): \(error)")
        }
    }

    static func failure(status: Int, body: [UInt8]) -> ClusterClientError {
        if let error = try? APIJSON.decode(APIErrorBody.self, from: body) {
            return .api(status: status, body: error)
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return .protocolError("HTTP \(status): \(text)")
    }

    static func eventsPath(cluster: String?, since: Double?, follow: Bool) -> String {
        var query: [String] = []
        if let cluster { query.append("cluster=" + APIPaths.percentEncoded(cluster)) }
        if let since { query.append("since=\(since)") }
        if follow { query.append("follow=true") }
        return APIPaths.events + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }
}
