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
        discussion: """
            Exit codes: 0 ok, 1 error, 2 usage, 3 clusterd is not running, 4 no such cluster.
            Shell completion: clusterctl --generate-completion-script bash (or zsh, fish).
            """,
        version: ClusterdVersion.string,
        subcommands: [Status.self, Start.self, Stop.self, Restart.self, Scale.self, Reset.self, Events.self,
                      Logs.self, Connect.self, Reload.self, CheckConfig.self, Version.self]
    )
}
