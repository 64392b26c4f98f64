import ArgumentParser
import ClusterConfiguration

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
        if let name = implied(among: config.clusters.map(\.name)), let cluster = config.cluster(named: name) {
            return cluster
        }
        throw ValidationError("\(config.path) defines several clusters (\(names)); name one")
    }

    /// The cluster meant when none is named: the only one, else the one called "default", else nil.
    public static func implied(among names: [String]) -> String? {
        if names.count == 1 { return names[0] }
        return names.contains("default") ? "default" : nil
    }
}
