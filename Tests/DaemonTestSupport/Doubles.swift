import ClusterCore
import ClusterDaemon
import Synchronization

/// A clock tests move by hand.
public final class ManualClock: WallClock, Sendable {
    private let time: Mutex<Double>

    /// A clock at `start` seconds since the epoch.
    public init(_ start: Double = 1_000_000) {
        time = Mutex(start)
    }

    public func now() -> Timestamp {
        Timestamp(time.withLock { $0 })
    }

    /// Moves the clock forward.
    public func advance(_ seconds: Double) {
        time.withLock { $0 += seconds }
    }
}

/// A service notifier that keeps every message (sd_notify's `KEY=value` lines).
public final class RecordingNotifier: ServiceNotifier, Sendable {
    private let messages = Mutex<[[String]]>([])
    public let watchdogTimeout: Duration?

    /// A notifier, with a watchdog of `watchdogTimeout` if given.
    public init(watchdogTimeout: Duration? = nil) {
        self.watchdogTimeout = watchdogTimeout
    }

    public func send(_ assignments: [String]) {
        messages.withLock { $0.append(assignments) }
    }

    /// Every message so far.
    public var sent: [[String]] { messages.withLock { $0 } }
}

/// State storage in memory whose saves can be made to fail (a full disk, a read-only home).
public final class MemoryStateStorage: ClusterStateStorage, Sendable {
    struct Box {
        var state: ClusterState?
        var failing: String?
        var saves = 0
        var onSave: (@Sendable (ClusterState) -> Void)?
    }

    private let box: Mutex<Box>

    /// Storage holding `state`.
    public init(_ state: ClusterState? = nil) {
        box = Mutex(Box(state: state))
    }

    /// Saves fail with `error` (nil: they work again).
    public func setFailing(_ error: String?) {
        box.withLock { $0.failing = error }
    }

    /// Called with every state saved.
    public func onSave(_ hook: (@Sendable (ClusterState) -> Void)?) {
        box.withLock { $0.onSave = hook }
    }

    /// The state last saved.
    public var saved: ClusterState? { box.withLock { $0.state } }

    /// Successful saves so far.
    public var saves: Int { box.withLock { $0.saves } }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public func load() throws -> ClusterState? {
        box.withLock { $0.state }
    }

    public func save(_ state: ClusterState) throws {
        let hook: (@Sendable (ClusterState) -> Void)? = try box.withLock { box in
            if let failing = box.failing { throw Failure(description: failing) }
            box.state = state
            box.saves += 1
            return box.onSave
        }
        hook?(state)
    }

    public func discard() throws {
        box.withLock { $0.state = nil }
    }
}
