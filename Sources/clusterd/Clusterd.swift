import ArgumentParser
import ClusterAPI

@main
struct Clusterd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusterd",
        abstract: "Keeps an ipyparallel cluster (controller, MPI engines, notebook) alive on a PBS cluster.",
        version: ClusterdVersion.string,
        subcommands: [CheckConfig.self, InspectQstat.self]
    )
}
