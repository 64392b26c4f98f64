import ArgumentParser
import ClusterAPI
import ClusterCLI
import ClusterClient

/// The arguments of start, stop, restart and reset.
struct RoleCommandArguments: ParsableArguments {
    @Argument(help: "The cluster (default: the only one, or \"default\").")
    var cluster: String?

    @Option(help: ArgumentHelp("Only this role: controller, engines or notebook.", valueName: "role"))
    var role: RoleArgument?

    @OptionGroup var client: ClientOptions
    @OptionGroup var output: OutputOptions

    /// Sends `verb` and prints the cluster afterwards.
    func send(_ verb: ClusterVerb) throws {
        let api = try client.client()
        let detail = try CtlExit.guarding {
            try api.command(verb, cluster: try ClusterName.resolve(cluster, api), role: role?.role)
        }
        try output.show(detail)
    }
}

/// Picks the cluster a command is about when none is named: the only one, or the one called "default".
enum ClusterName {
    static func resolve(_ name: String?, _ api: ClusterClient) throws -> String {
        if let name { return name }
        let names = try api.daemonStatus().clusters
        if let implied = ClusterChoice.implied(among: names) { return implied }
        throw ValidationError("clusterd runs several clusters (\(names.joined(separator: ", "))); name one")
    }
}

/// `clusterctl start [cluster] [--role ROLE]`.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Want the cluster (or one role) running; clears a failed state.")
    @OptionGroup var arguments: RoleCommandArguments
    func run() throws { try arguments.send(.start) }
}

/// `clusterctl stop [cluster] [--role ROLE]`.
struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete the cluster's (or one role's) jobs; no restarts until started again.")
    @OptionGroup var arguments: RoleCommandArguments
    func run() throws { try arguments.send(.stop) }
}

/// `clusterctl restart [cluster] [--role ROLE]`.
struct Restart: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete and resubmit the cluster's (or one role's) jobs now.")
    @OptionGroup var arguments: RoleCommandArguments
    func run() throws { try arguments.send(.restart) }
}

/// `clusterctl reset <cluster> [--role ROLE]`.
struct Reset: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Clear a failed role's state, start limit and backoff without changing what is wanted.")
    @OptionGroup var arguments: RoleCommandArguments
    func run() throws { try arguments.send(.reset) }
}

/// `clusterctl scale <cluster> <n>`.
struct Scale: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep this many engine jobs.",
        usage: "clusterctl scale <cluster> <n> [--json] [--socket <path>] [--config <path>]")

    @Argument(help: "The cluster.")
    var cluster: String

    /// Optional only so that a missing count gets the message below rather than argument-parser's.
    @Argument(help: ArgumentHelp("Engine jobs wanted (0 or more).", valueName: "n"))
    var engines: Int?

    /// Whatever follows a `--` after the count (see `Clusterctl.rewritten`).
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var unrecognized: [String] = []

    @OptionGroup var client: ClientOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard let engines else {
            throw ValidationError("missing the engine count: clusterctl scale \(cluster) <n>, with n 0 or more")
        }
        guard engines >= 0 else { throw ValidationError("the engine count must be 0 or more, not \(engines)") }
        if let stray = unrecognized.first { throw ValidationError("unknown option '\(stray)'") }
    }

    func run() throws {
        let api = try client.client()
        let detail = try CtlExit.guarding { try api.scale(cluster: cluster, engines: engines ?? 0) }
        try output.show(detail)
    }
}

/// `clusterctl reload`.
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the daemon reread its configuration file (an invalid file changes nothing).",
        discussion: "Waits for the verdict: exits 0 when the file was applied (and lists what changed, and what "
            + "only a restart applies), non-zero with the reason when it was rejected. The unit's ExecReload= "
            + "runs this, so `systemctl --user reload clusterd` fails on a rejected file.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let api = try client.client()
        let answer = try CtlExit.guarding { try api.reload() }
        if output.json { return try printJSON(answer) }
        say("reloaded \(answer.configPath): clusters \(answer.clusters.joined(separator: ", "))")
        say(answer.changes.isEmpty ? "  no change" : answer.changes.map { "  " + $0 }.joined(separator: "\n"))
        for line in answer.needsRestart {
            say("  needs a restart (systemctl --user restart clusterd): \(line)")
        }
    }
}
