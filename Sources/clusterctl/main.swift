import ClusterCLI
import ClusterCtlCommands

// Arguments in, exit code out: the commands themselves live in ClusterCtlCommands.
await ToolExit.main(Clusterctl.self)
