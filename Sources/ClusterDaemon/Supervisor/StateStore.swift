import POSIXSupport
import ClusterCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Saves and loads one cluster's reconciler state as JSON, atomically.
public struct StateStore: Sendable {
    public var path: String

    public init(path: String) {
        self.path = path
    }

    /// A state file that exists but cannot be read back.
    public struct Corrupt: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String {
            "\(path) cannot be read (\(reason)); move it aside to start from scratch (running jobs are then "
                + "adopted by name)"
        }
    }

    public func load() throws -> ClusterState? {
        guard let bytes = try FileIO.read(path) else { return nil }
        do {
            return try JSONDecoder().decode(ClusterState.self, from: Data(bytes))
        } catch {
            throw Corrupt(path: path, reason: "\(error)")
        }
    }

    public func save(_ state: ClusterState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(state)), to: path, mode: 0o600)
    }
}
