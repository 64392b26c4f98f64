import ClusterAPI
import ClusterConfiguration
import ClusterCore
import Hummingbird
import NIOCore

/// The control API's routes: HTTP in, `ControlService` calls, JSON out.
enum ControlRoutes {
    /// Registers every route on `router`; `connections` tells event streams when their client hangs up.
    static func register(on router: Router<ControlRequestContext>, service: ControlService,
                         connections: ConnectionLimiter) {
        router.get("/v1/health") { _, _ in try JSONResponse.ok(HealthResponse()) }
        router.get("/v1/status") { _, _ in try JSONResponse.ok(await service.daemonStatus()) }
        router.get("/v1/clusters") { _, _ in try JSONResponse.ok(await service.clusters()) }
        router.get("/v1/clusters/:name") { _, context in
            try JSONResponse.ok(try await service.cluster(try name(context)))
        }
        for verb in ClusterVerb.allCases {
            router.post("/v1/clusters/:name/\(verb.rawValue)") { request, context in
                let body = try await decode(RoleCommandRequest.self, request, context, empty: RoleCommandRequest())
                return try JSONResponse.ok(try await service.command(verb, cluster: try name(context), role: body.role))
            }
        }
        router.post("/v1/clusters/:name/scale") { request, context in
            let body = try await decode(ScaleRequest.self, request, context, empty: nil)
            return try JSONResponse.ok(try await service.scale(cluster: try name(context), engines: body.engines))
        }
        router.post("/v1/reload") { _, _ in try JSONResponse.ok(try await service.reload()) }
        router.get("/v1/events") { request, context in
            try await events(request, service: service, hangUp: connections.hangUp(of: context.channel))
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: await service.metricsText())))
        }
    }

    /// The methods a known path accepts, or nil when no route has this path (for 405 versus 404).
    static func methods(for path: String) -> [HTTPRequest.Method]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        switch parts.count {
        case 1 where parts[0] == "metrics": return [.get]
        case 2 where parts[0] == "v1":
            switch parts[1] {
            case "health", "status", "clusters", "events": return [.get]
            case "reload": return [.post]
            default: return nil
            }
        case 3 where parts[0] == "v1" && parts[1] == "clusters": return [.get]
        case 4 where parts[0] == "v1" && parts[1] == "clusters":
            let verbs = ClusterVerb.allCases.map(\.rawValue) + ["scale"]
            return verbs.contains(parts[3]) ? [.post] : nil
        default: return nil
        }
    }

    /// The `{name}` of the path as the client meant it (percent-decoded), and only when it can be a cluster name:
    /// other text is echoed escaped, never raw.
    private static func name(_ context: ControlRequestContext) throws -> String {
        guard let raw = context.parameters.get("name") else {
            throw ControlError(.badRequest, "missing cluster name")
        }
        guard let name = APIPaths.percentDecoded(raw) else {
            throw ControlError(.badRequest, "the cluster name \(SafeText.quoted(raw)) is not percent-encoded UTF-8")
        }
        return try clusterName(name)
    }

    /// `name` when it can name a cluster; otherwise the 404 a cluster that does not exist gets.
    private static func clusterName(_ name: String) throws -> String {
        guard SafeText.name.accepts(name) else {
            throw ControlError(.clusterNotFound, "no cluster \(SafeText.quoted(name)): cluster names are "
                + SafeText.name.allowed)
        }
        return name
    }

    /// Decodes a JSON body; an empty body stands for `empty` when given.
    private static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: ControlRequestContext,
                                             empty: T?) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }), let empty {
            return empty
        }
        do {
            return try APIJSON.decode(type, from: bytes)
        } catch let DecodingError.dataCorrupted(context) {
            throw ControlError(.badRequest, "the body is not valid JSON: \(context.debugDescription)")
        } catch DecodingError.keyNotFound(let key, _) {
            throw ControlError(.badRequest, "the body lacks \"\(key.stringValue)\"")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ControlError(.badRequest, "bad value for \"\(path)\": \(context.debugDescription)")
        } catch {
            throw ControlError(.badRequest, "cannot read the body: \(error)")
        }
    }

    /// `GET /v1/events[?cluster=&since=&follow=true]`. A follower's stream ends when its client hangs up.
    private static func events(_ request: Request, service: ControlService, hangUp: EventLoopFuture<Void>?)
        async throws -> Response {
        let query = request.uri.queryParameters
        let cluster = try query.get("cluster").map(clusterName)
        var since: Double?
        if let text = query.get("since") {
            guard let value = Double(text) else {
                throw ControlError(.badRequest, "since must be seconds since the epoch, not \"\(text)\"")
            }
            since = value
        }
        let follow = query.get("follow").map { ["true", "1", "yes"].contains($0.lowercased()) } ?? false
        guard follow else { return try JSONResponse.ok(try await service.events(cluster: cluster, since: since)) }
        let (past, subscription) = try await service.follow(cluster: cluster, since: since)
        let live = untilHangUp(subscription, hangUp)
        let body = ResponseBody { writer in
            for event in past { try await writer.write(line(event)) }
            for await event in live { try await writer.write(line(event)) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }

    /// `events` until `hangUp` succeeds. Ending the iteration of `events` (a cancelled forwarding task) ends its
    /// subscription: the event log forgets the follower at once rather than at the next event it cannot write.
    private static func untilHangUp(_ events: AsyncStream<ClusterEvent>, _ hangUp: EventLoopFuture<Void>?)
        -> AsyncStream<ClusterEvent> {
        guard let hangUp else { return events }
        let (stream, sink) = AsyncStream.makeStream(of: ClusterEvent.self, bufferingPolicy: .bufferingNewest(1_000))
        let forward = Task {
            for await event in events { sink.yield(event) }
            sink.finish()
        }
        sink.onTermination = { _ in forward.cancel() }
        hangUp.whenComplete { _ in
            forward.cancel()
            sink.finish()
        }
        return stream
    }

    private static func line(_ event: ClusterEvent) throws -> ByteBuffer {
        var bytes = try APIJSON.encode(event)
        bytes.append(0x0A)
        return ByteBuffer(bytes: bytes)
    }
}
