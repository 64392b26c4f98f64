import ArgumentParser
import ClusterCLI
import ClusterAPI

@main
struct Clusterd: AsyncParsableCommand {
    static func main() async {
        ToolExit.quietRuntimeSyslog()  // before the first await: see its comment
        await ToolExit.main(Self.self)
    }

    static let configuration = CommandConfiguration(
        commandName: "clusterd",
        abstract: "Keeps an ipyparallel cluster (controller, MPI engines, notebook) alive on a PBS cluster.",
        version: ClusterdVersion.string,
        subcommands: [Run.self, CheckConfig.self, RenderScripts.self, InspectQstat.self]
    )
}
