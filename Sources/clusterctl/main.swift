import ClusterCLI
import ClusterCtlCommands

// Arguments in, exit code out: the commands themselves live in ClusterCtlCommands.
ToolExit.quietRuntimeSyslog()  // before the first await: see its comment
await ToolExit.main(Clusterctl.self)
