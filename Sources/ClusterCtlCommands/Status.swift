import ArgumentParser
import ClusterAPI
import ClusterClient
import POSIXSupport

/// `clusterctl status [cluster]`: one table per cluster, readable at a glance.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show each role's jobs: job id, PBS state, host, walltime left, restarts.")

    @Argument(help: "The cluster (default: every cluster).")
    var cluster: String?

    @OptionGroup var client: ClientOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let api = try client.client()
        let details = try CtlExit.guarding {
            if let cluster { return [try api.cluster(cluster)] }
            return try api.clusters().clusters
        }
        if output.json {
            if cluster != nil { try printJSON(details[0]) } else { try printJSON(ClusterList(clusters: details)) }
            return
        }
        let now = RealTimeClock.secondsSinceEpoch
        say(details.map { StatusTable.render($0, now: now) }.joined(separator: "\n"))
    }
}
