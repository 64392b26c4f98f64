import ArgumentParser
import ClusterConfiguration

/// `check-config`: validate the configuration and print what would run (in both clusterd and clusterctl).
public struct CheckConfig: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration file and print what would run.",
        discussion: "Exits 0 when the file is valid; otherwise prints every problem as FILE:LINE: KEY: MESSAGE "
            + "and exits 1."
    )

    @OptionGroup public var options: ConfigOption

    public init() {}

    public func run() throws {
        CommandOutput.current.line(ConfigSummary.render(try options.load()))
    }
}
