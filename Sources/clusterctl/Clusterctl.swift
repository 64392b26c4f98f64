import ArgumentParser
import ClusterAPI
import ClusterCLI

@main
struct Clusterctl: AsyncParsableCommand {
    static func main() async {
        await ToolExit.main(Self.self)
    }

    static let configuration = CommandConfiguration(
        commandName: "clusterctl",
        abstract: "Control the clusterd daemon: status, start, stop, scale, events, connect.",
        version: ClusterdVersion.string,
        subcommands: [CheckConfig.self]
    )
}
