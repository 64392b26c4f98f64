import ClusterCore
import POSIXSupport

/// Where one cluster's reconciler state is kept between runs. The file store is the real one; tests substitute
/// stores that fail.
public protocol ClusterStateStorage: Sendable {
    /// The saved state, nil when there is none. Throws when one exists but cannot be used.
    func load() throws -> ClusterState?
    /// Saves `state` so that a crash right after leaves it (or the previous one) readable.
    func save(_ state: ClusterState) throws
    /// Removes the saved state.
    func discard() throws
}

/// One cluster's state as a JSON file (`<state_dir>/<cluster>/state.json`), written atomically.
public struct ClusterStateFile: ClusterStateStorage {
    /// The cluster it belongs to; a file of another cluster is refused.
    public var cluster: String
    private let file: JSONFile<ClusterState>

    /// The state file of `cluster` at `path`.
    public init(path: String, cluster: String) {
        self.cluster = cluster
        self.file = JSONFile(path: path)
    }

    /// The file.
    public var path: String { file.path }

    /// A state file that exists but cannot be used.
    public struct Unusable: Error, CustomStringConvertible {
        /// The file.
        public var path: String
        /// Why.
        public var reason: String
        public var description: String {
            "the saved state \(path) cannot be used (\(reason)); move it aside to start from scratch (running "
                + "jobs are then adopted by name)"
        }
    }

    public func load() throws -> ClusterState? {
        let state: ClusterState?
        do {
            state = try file.read()
        } catch let error as JSONFile<ClusterState>.Invalid {
            throw Unusable(path: path, reason: error.reason)
        } catch let error as FileError {
            throw Unusable(path: path, reason: error.reason)
        }
        if let state, let problem = state.problem(forCluster: cluster) {
            throw Unusable(path: path, reason: problem)
        }
        return state
    }

    public func save(_ state: ClusterState) throws {
        try file.write(state)
    }

    public func discard() throws {
        try FileIO.remove(path)
    }
}
