import CSystemd
import ClusterAPI
import Glibc
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Refuses, before any route runs: peers whose UID is not the daemon's (SO_PEERCRED), requests with an `Origin`
/// header (a browser tricked into calling the socket through a proxy), and declared bodies over 1 MiB.
struct LocalAccessMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let uid: uid_t
    let logger: Logger

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        let peer = try await Self.peerCredentials(context.channel)
        guard let peer, peer.uid == uid else {
            let who = peer.map { "uid \($0.uid) (pid \($0.pid))" } ?? "a peer whose credentials cannot be read"
            let message = "control API: refused \(request.method) \(request.uri.path) from \(who): "
                + "only uid \(uid) may use this socket"
            logger.warning("\(message)")
            throw ControlError(.forbidden, "only uid \(uid) may use this socket; you are \(who)")
        }
        if request.headers[.origin] != nil {
            logger.warning("control API: refused \(request.method) \(request.uri.path): request has an Origin header")
            throw ControlError(.originRefused, "requests with an Origin header are refused (browsers may not call "
                + "the clusterd socket)")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > APIPaths.maxBodyBytes {
            throw ControlError(.payloadTooLarge, "the request body is \(length) bytes; the limit is "
                + "\(APIPaths.maxBodyBytes)")
        }
        return try await next(request, context)
    }

    /// The peer's pid, uid and gid, read once per request (clients make one request per connection).
    static func peerCredentials(_ channel: any Channel) async throws -> clusterd_ucred? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        let name = NIOBSDSocket.Option(rawValue: SO_PEERCRED)
        return try await provider.unsafeGetSocketOption(level: .socket, name: name).get() as clusterd_ucred
    }
}

/// Turns every failure into `{"error": {"code", "message"}}` with its status; tells 404 from 405.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ControlError {
            return JSONResponse.error(error)
        } catch let error as HTTPParserError {
            // A malformed chunk in a body the route was reading.
            return JSONResponse.error(ControlError.malformed(error))
        } catch let error as any HTTPResponseError {
            // Hummingbird's own errors (no route, a body over the limit while it is read) and NIO's
            // NIOTooManyBytesError for a chunked body over 1 MiB: answered with their status, never as a bug.
            let text = (error as? HTTPError)?.body
            switch error.status {
            case .notFound:
                if let allowed = ControlRoutes.methods(for: request.uri.path), !allowed.contains(request.method) {
                    var response = JSONResponse.error(ControlError(.methodNotAllowed,
                        "\(request.method) is not allowed on \(request.uri.path); use "
                        + allowed.map(\.rawValue).joined(separator: ", ")))
                    response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                    return response
                }
                return JSONResponse.error(ControlError(.notFound,
                    "no route \(request.method) \(request.uri.path); see docs/control-api.md"))
            case .contentTooLarge:
                return JSONResponse.error(ControlError(.payloadTooLarge,
                    "the request body exceeds \(APIPaths.maxBodyBytes) bytes"))
            case .methodNotAllowed:
                return JSONResponse.error(ControlError(.methodNotAllowed, text ?? "method not allowed"))
            case .badRequest:
                return JSONResponse.error(ControlError(.badRequest, text ?? "bad request"))
            default:
                var response = JSONResponse.error(ControlError(.internal, text ?? "\(error.status)"))
                response.status = error.status
                return response
            }
        } catch {
            logger.error("control API: \(request.method) \(request.uri.path) failed: \(error)")
            return JSONResponse.error(ControlError(.internal, "internal error: \(error)"))
        }
    }
}
