import POSIXSupport
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// Exit codes shared by clusterd and clusterctl. Usage errors exit 2 as in most Unix tools (not sysexits' 64).
public enum ToolExit {
    public static let usage: Int32 = 2

    /// Parses the command line of `Root`, runs the chosen subcommand and exits with the tools' conventions.
    public static func main<Root: ParsableCommand>(_ root: Root.Type) async -> Never {
        do {
            var command = try root.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            let code = root.exitCode(for: error)
            if code == .validationFailure {
                Console.error(root.fullMessage(for: error))
                exit(usage)
            }
            root.exit(withError: error)
        }
    }
}
