import ClusterAPI
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// One connection of the control API, between NIO's HTTP codec and Hummingbird.
///
/// - A request that NIO's parser refuses before any route runs (bad request line, bad header) gets the API's JSON
///   400 and the connection is closed. Hummingbird would answer an empty 400 here, or nothing at all. A parse
///   error inside a body that a route is reading reaches that route (JSONErrorMiddleware answers it) and the
///   connection is closed after the answer, so that no second, empty 400 follows it.
/// - It tells the `ConnectionLimiter` when the connection is busy (a request came) or idle (its answer ended).
/// - It registers a hang-up future with the limiter (`ConnectionLimiter.hangUp(of:)`) that succeeds when the client
///   closes its side: an event stream then ends instead of waiting for the next event to find out that nobody
///   reads it.
final class ControlConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limiter: ConnectionLimiter
    private let logger: Logger
    private var id: ConnectionLimiter.ID?
    private var requestOpen = false
    private var closeAfterAnswer = false
    private var hangUpPromise: EventLoopPromise<Void>?

    init(limiter: ConnectionLimiter, logger: Logger) {
        self.limiter = limiter
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        hangUpPromise = context.eventLoop.makePromise()
        if context.channel.isActive { register(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        forget()
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        forget()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            requestOpen = true
            if let id { limiter.busy(id) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        requestOpen = false
        if let id { limiter.idle(id) }
        context.write(data, promise: promise)
        if closeAfterAnswer {
            context.flush()
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { hangUpPromise?.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        if requestOpen {
            closeAfterAnswer = true
            return context.fireErrorCaught(error)
        }
        logger.debug("control API: malformed request: \(parseError)")
        let body = JSONResponse.errorBytes(ControlError.malformed(parseError))
        Self.answer(context, status: .badRequest, body: body)
    }

    /// Writes a whole JSON answer from inside the pipeline (no route runs) and closes the connection.
    static func answer(_ context: ChannelHandlerContext, status: HTTPResponse.Status, body: [UInt8]) {
        let head = HTTPResponse(status: status, headerFields: [
            .contentType: "application/json", .contentLength: String(body.count), .connection: "close",
        ])
        context.write(NIOAny(HTTPResponsePart.head(head)), promise: nil)
        context.write(NIOAny(HTTPResponsePart.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPResponsePart.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    private func register(_ context: ChannelHandlerContext) {
        guard id == nil, let hangUp = hangUpPromise?.futureResult else { return }
        id = limiter.opened(context.channel, hangUp: hangUp)
    }

    private func forget() {
        if let id { limiter.closed(id) }
        id = nil
        hangUpPromise?.succeed(())
    }
}

extension ControlError {
    /// A request NIO's HTTP parser refused, as the API's 400.
    static func malformed(_ error: HTTPParserError) -> ControlError {
        let what: String = switch error {
        case .invalidMethod: "an invalid method"
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment, .invalidHost, .invalidPort:
            "an invalid request target"
        case .invalidVersion: "an invalid HTTP version"
        case .invalidHeaderToken, .invalidCharactersUsed, .lfExpected, .invalidConstant:
            "an invalid character in the request line or a header"
        case .headerOverflow: "headers over the size limit"
        case .invalidContentLength, .unexpectedContentLength: "an invalid Content-Length"
        case .invalidChunkSize: "an invalid chunk size in the chunked body"
        case .invalidEOFState, .closedConnection: "a request cut short"
        default: "a malformed request (\(error))"
        }
        return ControlError(.badRequest, "the request is not valid HTTP/1.1: \(what); see docs/control-api.md")
    }
}
