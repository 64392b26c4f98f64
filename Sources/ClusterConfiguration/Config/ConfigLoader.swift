import ClusterCore
import PBSCore
import TOMLKit

/// Turns TOML text into a validated `ClusterdConfig`, or a `ConfigError` listing every problem.
public struct ConfigLoader: Sendable {
    public var environment: ConfigEnvironment

    public init(environment: ConfigEnvironment) {
        self.environment = environment
    }

    /// Parses and validates `text`, read from `path` (used in messages and nothing else).
    public func parse(_ text: String, path: String) throws(ConfigError) -> ClusterdConfig {
        let sink = ProblemSink(file: path, text: text)
        if let bad = text.unicodeScalars.firstIndex(where: { $0 == "\0" }) {
            let line = text.unicodeScalars[..<bad].filter { $0 == "\n" }.count + 1
            sink.addFileProblem(line: line, message: "the file contains a NUL byte; is it a TOML text file?")
            throw ConfigError(problems: sink.problems)
        }
        // TOML allows "\u0000", but the parser underneath cuts a string at it silently: refuse it instead.
        if let line = Self.lineWithNULEscape(text) {
            sink.addFileProblem(line: line, message: "a string holds \\u0000 (NUL), which toml++ cuts off "
                + "silently and no path, name or argument may contain; remove it")
            throw ConfigError(problems: sink.problems)
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let column = error.source.begin.column
            sink.addFileProblem(line: error.source.begin.line,
                                message: "TOML syntax error: \(error.description) (column \(column))")
            throw ConfigError(problems: sink.problems)
        } catch {
            sink.addFileProblem(line: nil, message: "TOML syntax error: \(error)")
            throw ConfigError(problems: sink.problems)
        }
        let reader = TableReader(table: root, path: [], sink: sink)
        let daemon = readDaemon(reader.table("daemon"), sink: sink)
        var clusters: [ClusterConfig] = []
        if let clustersTable = reader.table("clusters") {
            for name in clustersTable.keys.sorted() {
                guard SafeText.name.accepts(name) else {
                    clustersTable.report("\"\(name)\"", "cluster name must be \(SafeText.name.allowed), "
                        + "got \(TableReader.quote(name))")
                    _ = clustersTable.table(name)
                    continue
                }
                guard let table = clustersTable.table(name) else { continue }
                clusters.append(readCluster(name: name, table, daemon: daemon))
            }
        }
        reader.rejectUnknownKeys()
        if clusters.isEmpty && sink.problems.isEmpty {
            sink.add(path: ["clusters"], message: "no cluster is defined; add a [clusters.default] table")
        }
        guard sink.problems.isEmpty else { throw ConfigError(problems: sink.sortedProblems) }
        return ClusterdConfig(path: path, daemon: daemon, clusters: clusters)
    }

    /// `interface` (a name) or `address` (a literal address, a CIDR network or "auto") of a controller or notebook
    /// table; both at once, or an address given as `interface`, is an error that says which key to use.
    private func readAddress(_ table: TableReader?, default fallback: AddressSelector) -> AddressSelector {
        guard let table else { return fallback }
        let interfaceText = table.keys.contains("interface") ? table.optionalString("interface") : nil
        let addressText = table.keys.contains("address") ? table.optionalString("address") : nil
        if interfaceText != nil, addressText != nil {
            table.report("address", "set either interface or address, not both")
            return fallback
        }
        if let interfaceText {
            if interfaceText == "auto" { return .auto }
            if AddressSelector.parseAddress(interfaceText) != nil {
                table.report("interface", "takes an interface name such as \"eno1\"; for an address or a network "
                    + "write address = \(SafeText.quoted(interfaceText))")
                return fallback
            }
            guard SafeText.interface.accepts(interfaceText) else {
                table.report("interface", "must be \(SafeText.interface.allowed), got \(SafeText.quoted(interfaceText))")
                return fallback
            }
            return .interface(interfaceText)
        }
        if let addressText {
            guard let selector = AddressSelector.parseAddress(addressText) else {
                table.report("address", "must be \"auto\", an IP address (\"10.1.2.3\") or a network in CIDR form "
                    + "(\"10.0.0.0/8\"), got \(SafeText.quoted(addressText))")
                return fallback
            }
            return selector
        }
        return fallback
    }

    /// The line of the first `\u0000` or `\U00000000` escape (an escaped backslash before it does not count).
    static func lineWithNULEscape(_ text: String) -> Int? {
        var line = 1
        var backslashes = 0
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if scalar == "\n" { line += 1 }
            if scalar == "\\" {
                backslashes += 1
                continue
            }
            defer { backslashes = 0 }
            guard backslashes % 2 == 1, scalar == "u" || scalar == "U" else { continue }
            let digits = scalar == "u" ? 4 : 8
            guard index + digits < scalars.count else { continue }
            if scalars[(index + 1)...(index + digits)].allSatisfy({ $0 == "0" }) { return line }
        }
        return nil
    }

    /// `tool` in the directory of `command` when that is a path (`/opt/pbs/bin/qstat` → `/opt/pbs/bin/qselect`),
    /// else `tool` alone (found on PATH).
    static func sibling(_ tool: String, of command: String) -> String {
        guard let slash = command.lastIndex(of: "/") else { return tool }
        return String(command[...slash]) + tool
    }

    private func path(_ reader: TableReader?, _ key: String, default fallback: String) -> String {
        environment.expandingTilde(reader?.optionalString(key, .path) ?? fallback)
    }

    private func readDaemon(_ reader: TableReader?, sink: ProblemSink) -> DaemonSettings {
        let stateDir = path(reader, "state_dir", default: environment.defaultStateDir)
        let socket = path(reader, "socket", default: environment.defaultSocketPath(stateDir: stateDir))
        let dialect = reader?.choice("dialect", default: PBSDialectSetting.auto) ?? .auto
        let qstat = reader?.string("qstat", default: "qstat", .command) ?? "qstat"
        let settings = DaemonSettings(
            pollInterval: reader?.duration("poll_interval", default: DaemonSettings.defaultPollInterval,
                                           minimum: DaemonSettings.minimumPollInterval,
                                           why: "it protects the PBS server") ?? DaemonSettings.defaultPollInterval,
            commandTimeout: reader?.duration("command_timeout", default: 60, minimum: 1) ?? 60,
            qstat: qstat,
            qsub: reader?.string("qsub", default: "qsub", .command) ?? "qsub",
            qdel: reader?.string("qdel", default: "qdel", .command) ?? "qdel",
            dialect: dialect,
            history: reader?.bool("history", default: true) ?? true,
            jobNameLimit: reader?.int("job_name_limit", default: 15, in: 8...236,
                                      what: "an integer from 8 to 236") ?? 15,
            stateDir: stateDir,
            socketPath: socket,
            onSIGTERM: reader?.choice("on_sigterm", default: TerminationPolicy.keepJobs) ?? .keepJobs,
            qselect: reader?.string("qselect", default: Self.sibling("qselect", of: qstat), .command)
                ?? Self.sibling("qselect", of: qstat),
            adoptInterval: reader?.duration("adopt_interval", default: 300, minimum: DaemonSettings.minimumPollInterval,
                                            why: "each look lists the user's jobs on the PBS server") ?? 300,
            submitBurst: reader?.int("submit_burst", default: 8, in: 1...1_000, what: "an integer from 1 to 1000") ?? 8
        )
        if socket.utf8.count > 107 {
            let key = reader == nil || reader?.keys.contains("socket") == false ? ["daemon"] : ["daemon", "socket"]
            sink.add(path: key, message: "the socket path \(TableReader.quote(socket)) is \(socket.utf8.count) "
                + "bytes; Unix sockets allow at most 107: set daemon.socket to a shorter path")
        }
        reader?.rejectUnknownKeys()
        return settings
    }

    private func readCluster(name: String, _ reader: TableReader, daemon: DaemonSettings) -> ClusterConfig {
        let queue = reader.optionalString("queue", .queue)
        let account = reader.optionalString("account", .queue)
        let defaults = RoleDefaults(queue: queue, account: account)
        var environmentVariables: [String: String] = [:]
        if let env = reader.table("environment") {
            for key in env.keys.sorted() {
                guard SafeText.variableName.accepts(key) else {
                    env.report(key, "must be a variable name: \(SafeText.variableName.allowed)")
                    _ = env.optionalString(key)
                    continue
                }
                if let value = env.optionalString(key) { environmentVariables[key] = value }
            }
        }
        let controllerTable = reader.table("controller")
        let controllerJob = readJob(controllerTable, defaults: defaults, select: "1:ncpus=1")
        let controllerAddress = readAddress(controllerTable, default: .auto)
        let controller = ControllerConfig(
            job: controllerJob,
            address: controllerAddress,
            arguments: controllerTable?.stringArray("args") ?? [],
            addressTimeout: controllerTable?.duration("address_timeout", default: 600) ?? 600
        )
        controllerTable?.rejectUnknownKeys()

        let enginesTable = reader.table("engines")
        let engines = EnginesConfig(
            job: readJob(enginesTable, defaults: defaults, select: "1:ncpus=2:mpiprocs=2"),
            jobs: enginesTable?.int("jobs", default: 2, in: 0...ClusterSpec.maximumEngineCount,
                                   what: "an integer from 0 to \(ClusterSpec.maximumEngineCount)") ?? 2,
            mpiLauncher: enginesTable?.string("mpi_launcher", default: "mpirun", .command) ?? "mpirun",
            mpiArguments: enginesTable?.stringArray("mpi_args") ?? [],
            arguments: enginesTable?.stringArray("args") ?? [],
            controllerWait: enginesTable?.duration("controller_wait", default: 300, minimum: 10,
                                                   why: "engines need time to start against a new controller")
                ?? 300,
            registerWait: enginesTable?.duration("register_wait", default: 120, minimum: 10,
                                                 why: "engines need time to register with a new controller") ?? 120
        )
        enginesTable?.rejectUnknownKeys()

        let notebookTable = reader.table("notebook")
        let notebook = NotebookConfig(
            job: readJob(notebookTable, defaults: defaults, select: "1:ncpus=1"),
            enabled: notebookTable?.bool("enabled", default: false) ?? false,
            port: notebookTable?.int("port", default: NotebookConfig.defaultPort(uid: environment.uid),
                                     in: 1024...65_535, what: "a port number from 1024 to 65535")
                ?? NotebookConfig.defaultPort(uid: environment.uid),
            app: notebookTable?.choice("app", default: JupyterApp.notebook).rawValue ?? "notebook",
            arguments: notebookTable?.stringArray("args") ?? [],
            address: readAddress(notebookTable, default: controllerAddress)
        )
        notebookTable?.rejectUnknownKeys()

        let config = ClusterConfig(
            name: name,
            venv: reader.optionalString("venv", .path).map(environment.expandingTilde) ?? environment.home + "/venv",
            profile: reader.string("profile", default: "pbs", .name),
            ipythonDir: reader.optionalString("ipython_dir", .path).map(environment.expandingTilde),
            workdir: path(reader, "workdir", default: environment.home),
            handoffFile: path(reader, "handoff_file", default: daemon.stateDir + "/\(name)/controller.json"),
            seedIPFile: reader.bool("seed_ip_file", default: false),
            environment: environmentVariables,
            controller: controller,
            engines: engines,
            notebook: notebook
        )
        reader.rejectUnknownKeys()
        return config
    }

    private struct RoleDefaults {
        var queue: String?
        var account: String?
    }

    private func readJob(_ reader: TableReader?, defaults: RoleDefaults, select: String) -> JobSettings {
        let restartTable = reader?.table("restart")
        let initial = restartTable?.duration("initial_backoff", default: 10, minimum: 1) ?? 10
        var maximum = restartTable?.duration("max_backoff", default: 300, minimum: 1) ?? 300
        if maximum < initial {
            restartTable?.report("max_backoff", "must be at least initial_backoff "
                + "(\(DurationText.format(initial))), got \(DurationText.format(maximum))")
            maximum = initial
        }
        let restart = RestartSettings(
            policy: restartTable?.choice("policy", default: RoleSpec.RestartPolicy.onFailure) ?? .onFailure,
            initialBackoff: initial,
            maxBackoff: maximum,
            startLimitBurst: restartTable?.int("start_limit_burst", default: 5, in: 1...1_000,
                                               what: "an integer ≥ 1") ?? 5,
            startLimitInterval: restartTable?.duration("start_limit_interval", default: 600, minimum: 1) ?? 600
        )
        restartTable?.rejectUnknownKeys()
        let walltime = reader?.duration("walltime", default: 86_400, minimum: 60) ?? 86_400
        var renew = reader?.duration("renew_before", default: 900) ?? 900
        if renew >= walltime {
            reader?.report("renew_before", "must be shorter than walltime (\(PBSDuration.format(walltime))), "
                + "got \(DurationText.format(renew))")
            renew = walltime / 2
        }
        return JobSettings(
            select: reader?.string("select", default: select, .select) ?? select,
            walltime: walltime,
            queue: reader?.optionalString("queue", .queue) ?? defaults.queue,
            account: reader?.optionalString("account", .queue) ?? defaults.account,
            script: reader?.optionalString("script", .path).map(environment.expandingTilde),
            renewBefore: renew,
            restart: restart
        )
    }
}

/// `notebook.app`.
enum JupyterApp: String, CaseIterable {
    case notebook, lab
}
