import ClusterCLI
import ClusterCtlCommands

/// Runs clusterctl's command tree in this process, as the executable would, with its output captured.
enum InProcess {
    static func clusterctl(_ arguments: [String]) async -> CommandOutput.Captured {
        await CommandOutput.capture(Clusterctl.self, arguments)
    }
}
