import ClusterAPI
import Glibc
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The control API on a unix socket: Hummingbird over HTTP/1.1, one `ControlService` behind it.
///
/// `start` probes the socket path (a live daemon there is an error; a stale socket is removed), binds with the
/// directory at 0700 and the socket at 0600, and returns once clients can connect. `shutdown` ends event
/// streams, stops the server and removes the socket.
///
/// The server runs on one event-loop thread of its own: a handful of local clients need no more, and
/// Hummingbird's default (NIO's singleton group, one thread per core) would start 128 threads on a 128-core login
/// node. Like NIO's singletons, that group lives as long as the process: shutting it down right after the server
/// races with NIO's own teardown ("Cannot schedule tasks on an EventLoop that has already shut down").
public final class ControlServer: Sendable {
    /// The socket path.
    public let socketPath: String
    /// The behaviour behind the routes.
    public let service: ControlService
    private let task: Task<Void, any Error>
    private let group: ServiceGroup
    private let logger: Logger
    private let connections: ConnectionLimiter

    private init(socketPath: String, service: ControlService, task: Task<Void, any Error>, group: ServiceGroup,
                 logger: Logger, connections: ConnectionLimiter) {
        self.socketPath = socketPath
        self.service = service
        self.task = task
        self.group = group
        self.logger = logger
        self.connections = connections
    }

    /// The most connections the API holds open; more wait in the listen backlog while the longest-idle one is
    /// closed to make room (see `ConnectionLimiter`).
    public static let maximumConnections = 128

    /// Connections open now (at most `maximumConnections`).
    public var openConnections: Int { connections.openConnections }

    /// How many threads serve the API.
    public static let eventLoopThreads = 1

    /// The event loops of every control server in this process.
    private static let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: eventLoopThreads)

    /// Binds `socketPath` and serves `service` until `shutdown()`. `idleTimeout` closes connections that send
    /// nothing (or only part of a request) for that long.
    public static func start(socketPath: String, service: ControlService, logger: Logger,
                             idleTimeout: Duration = .seconds(10)) async throws -> ControlServer {
        if let warning = try SocketPath.prepare(socketPath) { logger.warning("\(warning)") }
        let connections = ConnectionLimiter(maximum: maximumConnections, evictableAfter: .milliseconds(250))
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(logger: logger))
        router.add(middleware: LocalAccessMiddleware(uid: getuid(), logger: logger))
        ControlRoutes.register(on: router, service: service, connections: connections)

        let (bound, boundSink) = AsyncThrowingStream.makeStream(of: Void.self)
        var serverLogger = logger
        serverLogger.logLevel = max(logger.logLevel, .warning)
        let application = Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ControlConnectionHandler(limiter: connections, logger: logger)],
                idleTimeout: TimeAmount(idleTimeout))),
            configuration: ApplicationConfiguration(address: .unixDomainSocket(path: socketPath),
                                                    serverName: "clusterd/\(ClusterdVersion.string)",
                                                    availableConnectionsDelegate: connections.acceptanceDelegate),
            onServerRunning: { _ in
                if chmod(socketPath, 0o600) != 0 {
                    boundSink.finish(throwing: ControlServerError("cannot set mode 0600 on \(socketPath): "
                        + String(cString: strerror(errno))))
                } else {
                    boundSink.yield(())
                    boundSink.finish()
                }
            },
            eventLoopGroupProvider: .shared(eventLoops),
            logger: serverLogger)
        // A group without signals: the daemon owns SIGTERM/SIGHUP; shutdown() triggers the graceful stop.
        let group = ServiceGroup(configuration: .init(services: [application], logger: serverLogger))
        let task = Task {
            do {
                try await group.run()
                boundSink.finish(throwing: ControlServerError("the control server stopped before binding "
                    + socketPath))
            } catch {
                boundSink.finish(throwing: ControlServerError("cannot serve the control API on \(socketPath): "
                    + "\(error)"))
                throw error
            }
        }
        do {
            for try await _ in bound { break }
        } catch {
            task.cancel()
            _ = await task.result
            throw error
        }
        logger.notice("control API listening on \(socketPath)")
        return ControlServer(socketPath: socketPath, service: service, task: task, group: group, logger: logger,
                             connections: connections)
    }

    /// Ends the event streams, lets requests in flight finish (at most `grace`), stops serving and removes the
    /// socket.
    public func shutdown(grace: Duration = .seconds(3)) async {
        await service.events.finishSubscribers()
        await group.triggerGracefulShutdown()
        let task = self.task
        let deadline = Task {
            try await Task.sleep(for: grace)
            task.cancel()
        }
        _ = await task.result
        deadline.cancel()
        if unlink(socketPath) != 0 && errno != ENOENT {
            logger.warning("cannot remove the socket \(socketPath): \(String(cString: strerror(errno)))")
        }
    }
}

/// The control server could not start.
public struct ControlServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and what to do.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
