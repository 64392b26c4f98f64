import ClusterAPI
import POSIXSupport
import ClusterCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// Every event the reconciler emits: logged, kept in a bounded in-memory ring for the API, and appended as JSON
/// lines to `<state_dir>/events.log`, rotated to `events.log.1` past `maxFileBytes`.
public actor EventLog {
    public let path: String
    private let capacity: Int
    private let maxFileBytes: Int
    private var ring: [ClusterEvent] = []
    /// Live followers (`GET /v1/events?follow=true`), by subscription number, with their cluster filter.
    private var subscribers: [Int: (cluster: String?, sink: AsyncStream<ClusterEvent>.Continuation)] = [:]
    private var nextSubscriber = 0
    private let logger: Logger
    /// The control API's coder: a line of events.log and an event on the API are spelled the same.
    private let encoder = APIJSON.encoder()

    public init(path: String, logger: Logger, capacity: Int = 1_000, maxFileBytes: Int = 1 << 20) {
        self.path = path
        self.logger = logger
        self.capacity = capacity
        self.maxFileBytes = maxFileBytes
    }

    /// Records one event.
    public func record(_ event: ClusterEvent) {
        ring.append(event)
        if ring.count > capacity { ring.removeFirst(ring.count - capacity) }
        var metadata: Logger.Metadata = [
            "clusterd_cluster": .string(event.cluster),
            "clusterd_event": .string(event.kind.rawValue),
        ]
        if let role = event.role { metadata["clusterd_role"] = .string(role.rawValue) }
        if let job = event.jobID { metadata["clusterd_job_id"] = .string(job) }
        if let status = event.exitStatus { metadata["clusterd_exit_status"] = .string(String(status)) }
        logger.log(level: Self.level(event.kind), "\(event.message)", metadata: metadata)
        append(event)
        for subscriber in subscribers.values where subscriber.cluster == nil || subscriber.cluster == event.cluster {
            subscriber.sink.yield(event)
        }
    }

    /// The events kept in memory (for `cluster`, or all) and, atomically with them, a stream of every later event:
    /// nothing is missed or seen twice. A follower that falls `buffer` events behind loses the oldest ones.
    public func subscribe(cluster: String? = nil, buffer: Int = 1_000)
        -> (past: [ClusterEvent], live: AsyncStream<ClusterEvent>) {
        let (stream, sink) = AsyncStream.makeStream(of: ClusterEvent.self, bufferingPolicy: .bufferingNewest(buffer))
        let number = nextSubscriber
        nextSubscriber += 1
        subscribers[number] = (cluster, sink)
        sink.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(number) }
        }
        return (recent(cluster: cluster), stream)
    }

    /// Ends every live stream (the daemon is stopping).
    public func finishSubscribers() {
        let all = subscribers.values
        subscribers.removeAll()
        for subscriber in all { subscriber.sink.finish() }
    }

    /// How many followers are connected.
    public var subscriberCount: Int { subscribers.count }

    private func unsubscribe(_ number: Int) {
        subscribers[number] = nil
    }

    /// The events kept in memory, oldest first.
    public func recent(cluster: String? = nil) -> [ClusterEvent] {
        cluster.map { name in ring.filter { $0.cluster == name } } ?? ring
    }

    private func append(_ event: ClusterEvent) {
        guard var line = try? encoder.encode(event) else { return }
        line.append(0x0A)
        do {
            try FileIO.makeDirectories(FileIO.parent(of: path))
            if let size = try FileIO.size(path), size + line.count > maxFileBytes {
                try FileIO.rename(path, to: path + ".1")
            }
            try FileIO.append(Array(line), to: path, mode: 0o600)
        } catch {
            logger.warning("cannot append to the event log \(path): \(error)")
        }
    }

    static func level(_ kind: ClusterEvent.Kind) -> Logger.Level {
        switch kind {
        case .failed, .submitFailed, .deleteFailed, .qstatFailed, .reloadRejected, .handoffWriteFailed: .error
        case .died, .restarting, .handoffStale, .addressUnavailable, .addressTimeout, .intentDropped,
             .unknownIntent, .commandRejected, .exited:
            .warning
        default: .notice
        }
    }
}
