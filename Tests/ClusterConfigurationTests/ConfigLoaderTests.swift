import ClusterConfiguration
import ClusterCore
import Foundation
import PBSCore
import TestSupport
import Testing

private let environment = ConfigEnvironment(home: "/home/ada", uid: 1_234, xdgRuntimeDir: "/run/user/1234")
private let loader = ConfigLoader(environment: environment)

/// Parses `text`, expecting failure, and returns the problems.
private func problems(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigProblem] {
    do {
        _ = try loader.parse(text, path: "test.toml")
        Issue.record("expected a configuration error", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.problems
    }
}

/// The single problem for `text`, checked for key and line.
private func problem(_ text: String, key: String, line: Int?, contains fragment: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    let found = problems(text, sourceLocation: sourceLocation)
    #expect(found.count == 1, "\(found)", sourceLocation: sourceLocation)
    guard let first = found.first else { return }
    #expect(first.key == key, sourceLocation: sourceLocation)
    #expect(first.line == line, sourceLocation: sourceLocation)
    #expect(first.message.contains(fragment), "\(first.message)", sourceLocation: sourceLocation)
    #expect(first.description.hasPrefix("test.toml" + (line.map { ":\($0)" } ?? "") + ": "),
            sourceLocation: sourceLocation)
}

@Suite struct ConfigLoaderTests {
    @Test func minimalFileGetsDefaults() throws {
        let config = try loader.parse("[clusters.default]\n", path: "min.toml")
        let d = config.daemon
        #expect(d.pollInterval == 30)
        #expect(d.commandTimeout == 60)
        #expect(d.qstat == "qstat" && d.qsub == "qsub" && d.qdel == "qdel")
        #expect(d.dialect == .auto)
        #expect(d.stateDir == "/home/ada/.local/state/clusterd")
        #expect(d.socketPath == "/run/user/1234/clusterd/clusterd.sock")
        #expect(d.onSIGTERM == .keepJobs)
        let cluster = try #require(config.cluster(named: "default"))
        #expect(cluster.profile == "pbs")
        #expect(cluster.venv == "/home/ada/venv")
        #expect(cluster.workdir == "/home/ada")
        #expect(cluster.handoffFile == "/home/ada/.local/state/clusterd/default/controller.json")
        #expect(cluster.engines.jobs == 2)
        #expect(cluster.engines.mpiLauncher == "mpirun")
        #expect(cluster.controller.address == .auto)
        #expect(cluster.notebook.address == .auto)
        #expect(cluster.engines.controllerWait == 300)
        #expect(cluster.engines.registerWait == 120)
        #expect(cluster.spec(daemon: config.daemon).switchTimeout == 120)
        #expect(cluster.controller.addressTimeout == 600)
        #expect(cluster.spec(daemon: config.daemon).addressTimeout == 600)
        #expect(cluster.controller.job.walltime == 86_400)
        #expect(cluster.controller.job.restart == RestartSettings(
            policy: .onFailure, initialBackoff: 10, maxBackoff: 300, startLimitBurst: 5, startLimitInterval: 600))
        #expect(cluster.notebook.enabled == false)
        #expect(cluster.notebook.port == NotebookConfig.defaultPort(uid: 1_234))
    }

    @Test func xdgDefaultsAndFallbacks() throws {
        let plain = ConfigEnvironment(home: "/h", uid: 7)
        #expect(plain.defaultConfigPath == "/h/.config/clusterd/clusterd.toml")
        #expect(plain.defaultStateDir == "/h/.local/state/clusterd")
        #expect(plain.defaultSocketPath(stateDir: "/h/s") == "/h/s/clusterd.sock")
        let xdg = ConfigEnvironment(home: "/h", uid: 7, xdgConfigHome: "/c", xdgStateHome: "/s", xdgRuntimeDir: "")
        #expect(xdg.defaultConfigPath == "/c/clusterd/clusterd.toml")
        #expect(xdg.defaultStateDir == "/s/clusterd")
        #expect(xdg.defaultSocketPath(stateDir: "/s/clusterd") == "/s/clusterd/clusterd.sock")
    }

    @Test func notebookPortIsUniquePerUser() {
        #expect(NotebookConfig.defaultPort(uid: 0) == 10_000)
        #expect(NotebookConfig.defaultPort(uid: 1_000) != NotebookConfig.defaultPort(uid: 1_001))
        #expect((10_000...59_999).contains(NotebookConfig.defaultPort(uid: UInt32.max)))
    }

    @Test func readsEveryField() throws {
        let text = """
            [daemon]
            poll_interval = "1m"
            command_timeout = "20s"
            qstat = "/opt/pbs/bin/qstat"
            dialect = "slurm-wrapper"
            history = false
            job_name_limit = 236
            state_dir = "~/state"
            socket = "/tmp/cd.sock"
            on_sigterm = "stop-jobs"

            [clusters.astro]
            venv = "/opt/venvs/astro"
            profile = "mpi"
            ipython_dir = "~/.ipy"
            workdir = "~/work"
            queue = "workq"
            account = "proj1"
            seed_ip_file = true
            environment = { OMP_NUM_THREADS = "1" }

            [clusters.astro.controller]
            interface = "eno1"
            address_timeout = "2m"
            walltime = "12:00:00"
            renew_before = "30m"
            args = ["--log-level=DEBUG"]
            restart = { policy = "always", initial_backoff = "5s", max_backoff = "1m", start_limit_burst = 3 }

            [clusters.astro.engines]
            jobs = 4
            select = "1:ncpus=3:mpiprocs=3:mem=1gb"
            queue = "express"
            mpi_launcher = "mpiexec"
            mpi_args = ["--oversubscribe", "-x", "A=b c"]
            register_wait = "10m"

            [clusters.astro.notebook]
            enabled = true
            port = 8895
            app = "lab"
            """
        let config = try loader.parse(text, path: "t.toml")
        #expect(config.daemon.pollInterval == 60)
        #expect(config.daemon.commandTimeout == 20)
        #expect(config.daemon.qstat == "/opt/pbs/bin/qstat")
        #expect(config.daemon.dialect == .slurmWrapper)
        #expect(config.daemon.history == false)
        #expect(config.daemon.jobNameLimit == 236)
        #expect(config.daemon.stateDir == "/home/ada/state")
        #expect(config.daemon.socketPath == "/tmp/cd.sock")
        #expect(config.daemon.onSIGTERM == .stopJobs)
        let astro = try #require(config.cluster(named: "astro"))
        #expect(astro.venv == "/opt/venvs/astro")
        #expect(astro.ipythonDir == "/home/ada/.ipy")
        #expect(astro.workdir == "/home/ada/work")
        #expect(astro.handoffFile == "/home/ada/state/astro/controller.json")
        #expect(astro.seedIPFile)
        #expect(astro.environment == ["OMP_NUM_THREADS": "1"])
        #expect(astro.controller.address == .interface("eno1"))
        #expect(astro.notebook.address == .interface("eno1"), "the notebook binds like the controller")
        #expect(astro.controller.addressTimeout == 120)
        #expect(astro.controller.job.walltime == 43_200)
        #expect(astro.controller.job.renewBefore == 1_800)
        #expect(astro.controller.job.queue == "workq")
        #expect(astro.controller.job.account == "proj1")
        #expect(astro.controller.arguments == ["--log-level=DEBUG"])
        #expect(astro.controller.job.restart.policy == .always)
        #expect(astro.controller.job.restart.startLimitBurst == 3)
        #expect(astro.controller.job.restart.maxBackoff == 60)
        #expect(astro.engines.jobs == 4)
        #expect(astro.engines.job.queue == "express")
        #expect(astro.engines.mpiArguments == ["--oversubscribe", "-x", "A=b c"])
        #expect(astro.engines.registerWait == 600)
        #expect(astro.spec(daemon: config.daemon).switchTimeout == 600, "clients move after register_wait at most")
        // Old engines serve clients until they moved: register_wait, and two of the daemon's ticks to notice.
        #expect(ScriptRenderer(cluster: astro, paths: ClusterPaths(stateDir: "/s", cluster: "astro"),
                               daemonPollInterval: config.daemon.pollInterval).clientWait == 600 + 2 * 60)
        #expect(astro.notebook.enabled && astro.notebook.port == 8_895 && astro.notebook.app == "lab")
    }

    @Test func exampleFileIsValidAndCoversEveryKey() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("config/clusterd.example.toml").path
        let config = try loader.load(path: path)
        #expect(config.clusters.map(\.name) == ["default"])
        // Uncommenting every commented `key = value` line must still give a valid file: the example documents
        // only keys that exist.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("# ") && line.contains(" = ") && !line.contains(":") || line.hasPrefix("# socket")
                ? String(line.dropFirst(2)) : String(line)
        }.joined(separator: "\n")
        #expect(throws: Never.self) { try loader.parse(uncommented, path: "uncommented.toml") }
    }

    @Test func wrongTypeNamesKeyLineAndValue() {
        problem("[clusters.default]\n\n[clusters.default.engines]\njobs = \"two\"\n",
                key: "clusters.default.engines.jobs", line: 4, contains: "must be an integer from 0 to 10000, got \"two\"")
        problem("[clusters.default.engines]\njobs = -1\n",
                key: "clusters.default.engines.jobs", line: 2, contains: "got -1")
        problem("[daemon]\nhistory = \"yes\"\n[clusters.default]\n",
                key: "daemon.history", line: 2, contains: "must be true or false")
        problem("[clusters.default]\nprofile = 3\n", key: "clusters.default.profile", line: 2,
                contains: "must be a string, got 3")
        problem("[clusters.default]\nengines = 3\n", key: "clusters.default.engines", line: 2,
                contains: "must be a table")
        problem("[clusters.default.engines]\nmpi_args = [\"a\", 3]\n", key: "clusters.default.engines.mpi_args[1]",
                line: 2, contains: "got 3")
        problem("[clusters.default.engines]\nmpi_args = \"-np 2\"\n", key: "clusters.default.engines.mpi_args",
                line: 2, contains: "must be an array of strings")
        problem("clusters = 1\n", key: "clusters", line: 1, contains: "must be a table")
    }

    @Test func unknownKeySuggestsTheClosest() {
        problem("[clusters.default.engines]\nwalltim = \"1h\"\n", key: "clusters.default.engines.walltim",
                line: 2, contains: "unknown key (did you mean \"walltime\"?)")
        problem("[daemon]\npoll = \"30s\"\n[clusters.default]\n", key: "daemon.poll", line: 2,
                contains: "unknown key")
        problem("[deamon]\n[clusters.default]\n", key: "deamon", line: 1, contains: "did you mean \"daemon\"?")
        problem("[clusters.default.controller.restart]\nburst = 3\n",
                key: "clusters.default.controller.restart.burst", line: 2, contains: "allowed here:")
    }

    @Test func badDurations() {
        problem("[daemon]\npoll_interval = \"soon\"\n[clusters.default]\n", key: "daemon.poll_interval", line: 2,
                contains: "must be a duration such as")
        problem("[daemon]\npoll_interval = 30\n[clusters.default]\n", key: "daemon.poll_interval", line: 2,
                contains: "got 30")
        problem("[daemon]\npoll_interval = \"5s\"\n[clusters.default]\n", key: "daemon.poll_interval", line: 2,
                contains: "at least 10s (it protects the PBS server)")
        problem("[clusters.default.engines]\nwalltime = \"25:61:xx\"\n", key: "clusters.default.engines.walltime",
                line: 2, contains: "got \"25:61:xx\"")
        problem("[clusters.default.engines.restart]\ninitial_backoff = \"1m\"\nmax_backoff = \"10s\"\n",
                key: "clusters.default.engines.restart.max_backoff", line: 3, contains: "at least initial_backoff")
        problem("[clusters.default.engines]\nregister_wait = \"2s\"\n",
                key: "clusters.default.engines.register_wait", line: 2,
                contains: "at least 10s (engines need time to register with a new controller)")
        problem("[clusters.default.controller]\nwalltime = \"1h\"\nrenew_before = \"2h\"\n",
                key: "clusters.default.controller.renew_before", line: 3, contains: "shorter than walltime")
    }

    @Test func shellMetacharactersAreRejected() {
        problem("[clusters.default]\nqueue = \"work;rm -rf ~\"\n", key: "clusters.default.queue", line: 2,
                contains: "got \"work;rm -rf ~\"")
        problem("[clusters.default.engines]\nselect = \"1:ncpus=2$(reboot)\"\n",
                key: "clusters.default.engines.select", line: 2, contains: "PBS select statement")
        problem("[clusters.default]\nvenv = \"~/my venv\"\n", key: "clusters.default.venv", line: 2,
                contains: "absolute path")
        problem("[clusters.default]\nworkdir = \"relative/dir\"\n", key: "clusters.default.workdir", line: 2,
                contains: "absolute path")
        problem("[daemon]\nqsub = \"qsub`id`\"\n[clusters.default]\n", key: "daemon.qsub", line: 2,
                contains: "command name or path")
        problem("[clusters.default.controller]\ninterface = \"eth0 up\"\n",
                key: "clusters.default.controller.interface", line: 2, contains: "interface name")
        problem("[clusters.default]\nprofile = \"a/b\"\n", key: "clusters.default.profile", line: 2,
                contains: "letters, digits")
    }

    @Test func controlCharactersAndNewlinesAreRejected() {
        problem("[clusters.default.engines]\nargs = [\"ok\", \"bad\\u0007\"]\n",
                key: "clusters.default.engines.args[1]", line: 2, contains: "no control characters")
        problem("[clusters.default.environment]\nA = \"x\\ny\"\n", key: "clusters.default.environment.A",
                line: 2, contains: "got \"x\\ny\"")
        problem("[clusters.default.environment]\n\"1BAD\" = \"x\"\n", key: "clusters.default.environment.1BAD",
                line: 2, contains: "variable name")
        problem("[clusters.default]\nprofile = \"\"\"\npbs\n\"\"\"\n", key: "clusters.default.profile", line: 2,
                contains: "letters, digits")
    }

    @Test func clusterNames() {
        problem("[clusters.\"bad name\"]\n", key: "clusters.\"bad name\"", line: 1, contains: "cluster name")
        problem("[clusters.1x]\n", key: "clusters.\"1x\"", line: 1, contains: "starting with a letter")
        problem("[daemon]\n", key: "clusters", line: nil, contains: "no cluster is defined")
    }

    @Test func choices() {
        problem("[daemon]\ndialect = \"pbspro\"\n[clusters.default]\n", key: "daemon.dialect", line: 2,
                contains: "must be one of \"auto\", \"openpbs\", \"torque\", \"slurm-wrapper\"")
        problem("[clusters.default.notebook.restart]\npolicy = \"sometimes\"\n",
                key: "clusters.default.notebook.restart.policy", line: 2, contains: "\"on-failure\"")
        problem("[daemon]\non_sigterm = \"kill\"\n[clusters.default]\n", key: "daemon.on_sigterm", line: 2,
                contains: "\"keep-jobs\", \"stop-jobs\"")
        problem("[clusters.default.notebook]\nport = 80\n", key: "clusters.default.notebook.port", line: 2,
                contains: "1024 to 65535")
    }

    @Test func socketPathLongerThanUnixAllows() {
        let long = "/tmp/" + String(repeating: "s", count: 110)
        problem("[daemon]\nsocket = \"\(long)\"\n[clusters.default]\n", key: "daemon.socket", line: 2,
                contains: "at most 107")
        let deep = ConfigLoader(environment: ConfigEnvironment(home: "/h", uid: 1,
                                                               xdgRuntimeDir: "/" + String(repeating: "r", count: 90)))
        #expect(throws: ConfigError.self) { try deep.parse("[clusters.default]\n", path: "x") }
    }

    @Test func syntaxErrorsCarryTheLine() {
        let found = problems("[clusters.default]\nprofile = \"pbs\"\njobs = = 3\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 3)
        #expect(found.first?.message.hasPrefix("TOML syntax error") == true)
        let nul = problems("[clusters.default]\n\0\n")
        #expect(nul.first?.line == 2)
        #expect(nul.first?.message.contains("NUL") == true)
    }

    @Test func everyProblemIsReportedInFileOrder() {
        let found = problems("""
            [daemon]
            poll_interval = "1s"
            [clusters.default]
            queue = "a b"
            [clusters.default.engines]
            jobs = "two"
            selct = "1:ncpus=1"
            """)
        #expect(found.map(\.line) == [2, 4, 6, 7])
    }

    @Test func missingFileSaysWhatToDo() {
        #expect {
            try loader.load(path: "/nonexistent/clusterd.toml")
        } throws: { error in
            (error as? ConfigError)?.description.contains("no such file") == true
        }
    }

    @Test func addressTimeoutZeroWaitsForever() throws {
        let config = try loader.parse("[clusters.a.controller]\naddress_timeout = \"0\"\n", path: "t.toml")
        let cluster = try #require(config.cluster(named: "a"))
        #expect(cluster.spec(daemon: config.daemon).addressTimeout == nil)
        #expect(ConfigSummary.render(config).contains("address timeout never"))
        problem("[clusters.a.controller]\naddress_timeout = \"soon\"\n",
                key: "clusters.a.controller.address_timeout", line: 2, contains: "must be a duration")
    }

    @Test func unreadableOrBinaryFilesSayWhy() throws {
        let dir = try TemporaryDirectory()
        let directory = #expect(throws: ConfigError.self) { try loader.load(path: dir.path) }
        #expect(directory?.problems.map(\.message) == ["cannot read the file (Is a directory)"])
        let binary = try dir.write("c.toml", [0x5B, 0xFF, 0x5D])
        let notText = #expect(throws: ConfigError.self) { try loader.load(path: binary) }
        #expect(notText?.problems.map(\.message) == ["the file is not UTF-8 text"])
        #expect(notText?.problems.first?.file == binary)
    }

    @Test func aNULEscapeIsRefusedNotCutOff() throws {
        let loader = ConfigLoader(environment: ConfigEnvironment(home: "/home/ada", uid: 1_000))
        let text = "[clusters.default]\nvenv = \"/home/ada/venv\\u0000/evil\"\n"
        let error = #expect(throws: ConfigError.self) { try loader.parse(text, path: "c.toml") }
        #expect(error?.description.contains("c.toml:2:") == true, "\(String(describing: error))")
        #expect(error?.description.contains("\\u0000") == true)
        // An escaped backslash followed by u0000 is just text.
        let fine = try loader.parse("[clusters.default.environment]\nX = \"a\\\\u0000\"\n", path: "c.toml")
        #expect(fine.clusters.first?.environment["X"] == "a\\u0000")
    }

    @Test func addressSelectorsAreCheckedHere_notInTheJob() throws {
        let loader = ConfigLoader(environment: ConfigEnvironment(home: "/home/ada", uid: 1_000))
        func controller(_ lines: String) throws -> AddressSelector {
            let config = try loader.parse("[clusters.c]\n[clusters.c.controller]\n\(lines)\n", path: "c.toml")
            return try #require(config.cluster(named: "c")).controller.address
        }
        #expect(try controller("address = \"10.0.0.0/8\"") == .network("10.0.0.0/8"))
        #expect(try controller("address = \"192.0.2.2\"") == .address("192.0.2.2"))
        #expect(try controller("address = \"fd00::/64\"") == .network("fd00::/64"))
        #expect(try controller("address = \"auto\"") == .auto)
        #expect(try controller("interface = \"ib0\"") == .interface("ib0"))
        let cases = [
            ("interface = \"192.0.2.2\"", "for an address or a network write address = \"192.0.2.2\""),
            ("address = \"10.0.0.0/40\"", "a network in CIDR form"),
            ("address = \"eno1\"", "an IP address"),
            ("interface = \"eno1\"\naddress = \"10.0.0.1\"", "set either interface or address, not both"),
        ]
        for (lines, message) in cases {
            let error = #expect(throws: ConfigError.self) { try controller(lines) }
            #expect(error?.description.contains(message) == true, "\(lines): \(String(describing: error))")
        }
    }
}
