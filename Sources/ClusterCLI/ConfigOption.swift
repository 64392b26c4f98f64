import ArgumentParser
import ClusterConfiguration
import POSIXSupport

/// `--config PATH`, shared by every subcommand that reads the configuration.
public struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Configuration file.", discussion: "Default: $XDG_CONFIG_HOME/clusterd/clusterd.toml.",
        valueName: "path"))
    public var config: String?

    public init() {}

    /// Loads and validates the configuration, or prints every problem and exits 1.
    public func load() throws -> ClusterdConfig {
        let environment = ConfigEnvironment.current
        let path = config ?? environment.defaultConfigPath
        do {
            return try ConfigLoader(environment: environment).load(path: path)
        } catch {
            CommandOutput.current.standardError(error.description)
            throw ExitCode.failure
        }
    }
}
