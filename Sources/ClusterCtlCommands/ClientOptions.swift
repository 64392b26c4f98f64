import ArgumentParser
import ClusterAPI
import ClusterCLI
import ClusterClient
import ClusterConfiguration
import ClusterCore
import Glibc
import POSIXSupport

/// `--socket PATH` and `--config PATH`: where the daemon listens.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The daemon's socket.", discussion: "Default: daemon.socket from the configuration.",
                               valueName: "path"))
    var socket: String?

    /// `--config`, read for `daemon.socket` only: the rest of the file may be broken while the daemon runs on the
    /// configuration it last read.
    @OptionGroup var configuration: ConfigOption

    /// The socket: `--socket`, else the configuration's, else the default path when there is no configuration.
    /// A file that is invalid elsewhere costs one warning line on stderr.
    func socketPath() throws -> String {
        if let socket { return socket }
        let environment = ConfigEnvironment.current
        let path = configuration.config ?? environment.defaultConfigPath
        if configuration.config == nil && access(path, F_OK) != 0 {
            return environment.defaultSocketPath(stateDir: environment.defaultStateDir)
        }
        do {
            let setting = try ConfigLoader(environment: environment).socketSetting(path: path)
            if let warning = setting.warning { complain("clusterctl: warning: \(warning)") }
            return setting.path
        } catch {
            complain(error.description)
            throw ExitCode.failure
        }
    }

    /// A client for the daemon.
    func client() throws -> ClusterClient {
        ClusterClient(socketPath: try socketPath())
    }
}

/// Exit codes of clusterctl (documented in docs/control-api.md and `clusterctl --help`).
enum CtlExit {
    static let notRunning = ExitCode(3)
    static let notFound = ExitCode(4)

    /// Runs `body`, turning client errors into a message on stderr and the documented exit code.
    static func guarding<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ClusterClientError {
            complain("clusterctl: \(error)")
            switch error {
            case .notRunning: throw notRunning
            case .api(let status, _) where status == 404: throw notFound
            default: throw ExitCode.failure
            }
        }
    }
}

/// `--json` on read commands.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text.")
    var json = false

    /// Prints one cluster after a command: its JSON, or its status table.
    func show(_ detail: ClusterDetail) throws {
        if json { return try printJSON(detail) }
        say(StatusTable.render(detail, now: RealTimeClock.secondsSinceEpoch))
    }
}

/// A role as typed on the command line: `controller`, `engines` (or `engine`), `notebook`.
struct RoleArgument: ExpressibleByArgument {
    var role: ClusterRole

    init?(argument: String) {
        switch argument.lowercased() {
        case "controller", "ctl": role = .controller
        case "engine", "engines", "eng": role = .engine
        case "notebook", "nb": role = .notebook
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["controller", "engines", "notebook"] }
}
