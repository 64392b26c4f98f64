import ArgumentParser
import ClusterCore

/// Picks the cluster a command is about.
public enum ClusterChoice {
    /// `name` when given; otherwise the only cluster, or the one called "default".
    public static func pick(_ name: String?, in config: ClusterdConfig) throws -> ClusterConfig {
        let names = config.clusters.map(\.name).joined(separator: ", ")
        if let name {
            guard let cluster = config.cluster(named: name) else {
                throw ValidationError("no cluster \"\(name)\" in \(config.path); configured: \(names)")
            }
            return cluster
        }
        if config.clusters.count == 1 { return config.clusters[0] }
        if let cluster = config.cluster(named: "default") { return cluster }
        throw ValidationError("\(config.path) defines several clusters (\(names)); name one")
    }
}
