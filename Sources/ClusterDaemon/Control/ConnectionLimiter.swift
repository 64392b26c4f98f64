import HummingbirdCore
import NIOCore
import Synchronization

/// Bounds the control API's open connections, so that clients can never take the file descriptors the daemon
/// needs for qstat, its state file and its logs (1,100 idle connections once exhausted 1,024 descriptors).
///
/// At `maximum` the server stops accepting and new connections wait in the listen backlog. To make room it closes
/// the connection that has been idle longest (connected, no request in progress), once it has been idle for
/// `evictableAfter`, the way nginx reuses idle keep-alive connections: a flood of idle connections cannot lock
/// out a client that sends a request, and a client that connects and sends at once is never cut off. Connections
/// that are busy (a request in progress, an event stream) are never closed for room.
final class ConnectionLimiter: Sendable {
    typealias ID = ObjectIdentifier

    /// The most connections held open at once.
    let maximum: Int
    /// How long a connection must have been idle before it may be closed for a new one.
    let evictableAfter: Duration

    private struct Entry {
        var channel: any Channel
        var hangUp: EventLoopFuture<Void>
        /// Since when the connection has no request in progress; nil while it is busy.
        var idleSince: ContinuousClock.Instant?
    }

    private struct State {
        var entries: [ID: Entry] = [:]
        /// Accepted and not yet closed (a connection counts from its accept, before its handler is set up).
        var accepted = 0
        var evictionScheduled = false
    }

    private let state = Mutex(State())

    init(maximum: Int, evictableAfter: Duration) {
        self.maximum = maximum
        self.evictableAfter = evictableAfter
    }

    /// Connections open now.
    var openConnections: Int { state.withLock { $0.accepted } }

    /// The delegate Hummingbird's server channel asks before it accepts.
    var acceptanceDelegate: some AvailableConnectionsDelegate { AcceptanceDelegate(limiter: self) }

    /// Registers a connection (idle from now on); answers its id.
    func opened(_ channel: any Channel, hangUp: EventLoopFuture<Void>) -> ID {
        let id = ObjectIdentifier(channel)
        state.withLock { $0.entries[id] = Entry(channel: channel, hangUp: hangUp, idleSince: .now) }
        return id
    }

    /// A request came in on the connection.
    func busy(_ id: ID) {
        state.withLock { $0.entries[id]?.idleSince = nil }
    }

    /// The connection's answer ended.
    func idle(_ id: ID) {
        state.withLock { $0.entries[id]?.idleSince = .now }
    }

    /// The connection is gone.
    func closed(_ id: ID) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Succeeds when the client of `channel` hangs up; nil for a channel that is not registered.
    func hangUp(of channel: any Channel) -> EventLoopFuture<Void>? {
        state.withLock { $0.entries[ObjectIdentifier(channel)]?.hangUp }
    }

    private func accepted() {
        state.withLock { $0.accepted += 1 }
    }

    private func released() {
        state.withLock { $0.accepted -= 1 }
    }

    /// Whether the server may accept now. At the limit, closes (or schedules closing) the longest-idle connection:
    /// its close lets the server accept again.
    private func mayAccept() -> Bool {
        let now = ContinuousClock.now
        let (admit, victim, wakeUp): (Bool, (any Channel)?, (any Channel, Duration)?) = state.withLock { state in
            guard state.accepted >= maximum else { return (true, nil, nil) }
            let oldest = state.entries.values.filter { $0.idleSince != nil }.min { $0.idleSince! < $1.idleSince! }
            guard let oldest, let since = oldest.idleSince else { return (false, nil, nil) }
            if now - since >= evictableAfter {
                state.entries[ObjectIdentifier(oldest.channel)]?.idleSince = nil
                return (false, oldest.channel, nil)
            }
            guard !state.evictionScheduled else { return (false, nil, nil) }
            state.evictionScheduled = true
            return (false, nil, (oldest.channel, evictableAfter - (now - since)))
        }
        victim?.close(promise: nil)
        if let (channel, delay) = wakeUp {
            channel.eventLoop.scheduleTask(in: TimeAmount(delay)) { [self] in
                state.withLock { $0.evictionScheduled = false }
                _ = mayAccept()
            }
        }
        return admit
    }

    /// Hummingbird's hook on the server channel; a value type that forwards to the shared limiter.
    private struct AcceptanceDelegate: AvailableConnectionsDelegate {
        let limiter: ConnectionLimiter

        mutating func connectionOpened() { limiter.accepted() }
        mutating func connectionClosed() { limiter.released() }
        func isAcceptingNewConnections() -> Bool { limiter.mayAccept() }
    }
}
