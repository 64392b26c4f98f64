import ArgumentParser
import ClusterAPI
import ClusterCLI

/// `clusterctl`: the command tree. The executable parses its arguments with it and runs the chosen command.
public struct Clusterctl: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "clusterctl",
        abstract: "Control the clusterd daemon: status, start, stop, scale, events, connect.",
        discussion: """
            Exit codes: 0 ok, 1 error, 2 usage, 3 clusterd is not running, 4 no such cluster.
            Every command but check-config reads only daemon.socket from the configuration, so it works while the \
            rest of the file is broken (a rejected reload leaves it so; the daemon keeps its last configuration).
            Shell completion: clusterctl --generate-completion-script bash (or zsh, fish).
            """,
        version: ClusterdVersion.string,
        subcommands: [Status.self, Start.self, Stop.self, Restart.self, Scale.self, Reset.self, Events.self,
                      Logs.self, Connect.self, Reload.self, CheckConfig.self, Version.self]
    )

    public init() {}
}

extension Clusterctl: CommandLineRewriting {
    /// argument-parser reads `-1` as an option and then reports a missing count: `scale c -1` gets a `--` before
    /// the number, so that the count arrives and `Scale.validate` can say what is wrong with it.
    public static func rewritten(_ arguments: [String]) -> [String] {
        guard arguments.first == "scale", !arguments.contains("--"),
              let index = arguments.firstIndex(where: { $0.count > 1 && $0.hasPrefix("-") && Int($0) != nil })
        else { return arguments }
        var result = arguments
        result.insert("--", at: index)
        return result
    }
}
