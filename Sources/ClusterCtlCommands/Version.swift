import ArgumentParser
import ClusterAPI
import ClusterClient
import ClusterConfiguration

/// `clusterctl version`: the client's and the daemon's versions.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print clusterctl's and clusterd's versions.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var output: OutputOptions

    struct Answer: Encodable {
        var client: String
        var daemon: DaemonStatus?
    }

    func run() throws {
        let api = try client.client()
        let daemon: DaemonStatus?
        var failure: ClusterClientError?
        do {
            daemon = try api.daemonStatus()
        } catch {
            daemon = nil
            failure = error
        }
        if output.json {
            try printJSON(Answer(client: ClusterdVersion.string, daemon: daemon))
        } else {
            say("clusterctl \(ClusterdVersion.string)")
            if let daemon {
                say("clusterd   \(daemon.version) (pid \(daemon.pid) on \(daemon.host), up "
                    + DurationText.format(Int(daemon.uptimeSeconds)) + ", PBS dialect \(daemon.dialect ?? "unknown"))")
            }
        }
        if let failure { _ = try CtlExit.guarding { throw failure } }
    }
}
