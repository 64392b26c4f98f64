@testable import ClusterConfiguration
import ClusterCore
import Foundation
import TestSupport
import Testing

@Suite struct ScriptRendererTests {
    static let paths = ClusterPaths(stateDir: "/home/ada/state", cluster: "c1")

    static func cluster(_ extra: String = "") throws -> ClusterConfig {
        let loader = ConfigLoader(environment: ConfigEnvironment(home: "/home/ada", uid: 1_000))
        let config = try loader.parse("[clusters.c1]\nprofile = \"mpi\"\n" + extra, path: "t.toml")
        return try #require(config.cluster(named: "c1"))
    }

    /// A renderer for a daemon polling every 30 s (the default `poll_interval`).
    static func renderer(_ cluster: ClusterConfig, paths: ClusterPaths = paths, socketPath: String? = nil)
        -> ScriptRenderer
    {
        ScriptRenderer(cluster: cluster, paths: paths, socketPath: socketPath, daemonPollInterval: 30)
    }

    @Test func quotesForTheShell() {
        #expect(ShellQuote.word("plain-path/x.y") == "plain-path/x.y")
        #expect(ShellQuote.word("") == "''")
        #expect(ShellQuote.word("a b") == "'a b'")
        #expect(ShellQuote.word("it's") == "'it'\\''s'")
        #expect(ShellQuote.word("$(reboot)") == "'$(reboot)'")
        #expect(ShellQuote.words(["-x", "A=b c"]) == "-x 'A=b c'")
    }

    @Test func templatesRejectUnknownPlaceholders() throws {
        let template = ScriptTemplate(text: "echo hi\ncd {{workdir}}\nrun {{nope}}\n", origin: "my.sh")
        #expect(throws: ScriptTemplate.UnknownPlaceholder.self) {
            try Self.renderer(try Self.cluster()).render(.controller, template: template)
        }
        do {
            _ = try template.render(["workdir": "/w"])
        } catch {
            #expect(error.description.hasPrefix("my.sh:3: unknown placeholder {{nope}}"))
        }
        #expect(try ScriptTemplate(text: "a {{ x }} b {{", origin: "t").render(["x": "1"]) == "a 1 b {{")
    }

    @Test(arguments: ClusterRole.allCases)
    func builtInScriptsUseIpyparallel9Flags(role: ClusterRole) throws {
        let cluster = try Self.cluster("""
            [clusters.c1.controller]
            interface = "ib0"
            [clusters.c1.engines]
            mpi_args = ["--oversubscribe"]
            args = ["--timeout=60"]
            """)
        let script = try Self.renderer(cluster, socketPath: "/run/u/cd.sock").render(role)
        #expect(script.hasPrefix("#!/bin/bash\n"))
        #expect(script.contains("export CLUSTERD_SOCKET=/run/u/cd.sock"))
        #expect(script.contains("${PBS_JOBID:-${SLURM_JOB_ID:-unknown}}"))
        #expect(script.contains("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"))
        #expect(script.contains("source /home/ada/venv/bin/activate"))
        switch role {
        case .controller:
            #expect(script.contains("ipcontroller --profile=mpi --cluster-id=\"$CLUSTER_ID\" --ip=\"$ADDR\""))
            #expect(script.contains("CLUSTER_ID=c1-$SAFE_JOBID"), "own connection files per controller job")
            #expect(script.contains("ADDR=$(pick_address ib0)"))
            #expect(script.contains("health-$JOBID.json"))
            #expect(!script.contains("{{"))
        case .engine:
            #expect(script.contains("mpirun ${NP:+-np \"$NP\"} --oversubscribe ipengine --mpi --profile=mpi"))
            #expect(script.contains("--timeout=60"))
            #expect(script.contains("CONTROLLER_WAIT=300"))
            #expect(!script.contains("--ip"))
        case .notebook:
            #expect(script.contains("jupyter notebook --no-browser"))
            #expect(script.contains("--port=\"$PORT\""))
            #expect(script.contains("PORT=\(NotebookConfig.defaultPort(uid: 1_000))"))
            #expect(script.contains("ADDR=$(pick_address ib0)"), "the notebook binds like the controller")
        }
        #expect(script.contains("export CLUSTERD_HANDOFF="))
    }

    /// Hostile values end up as single shell words: bash parses the script, and the value arrives intact.
    @Test func hostileValuesStayInsideTheirWords() throws {
        let cluster = try Self.cluster("""
            [clusters.c1.environment]
            GREETING = "it's $(touch /tmp/pwned); `id` \\"x\\" \\\\ *"
            [clusters.c1.engines]
            args = ["--note=a b; rm -rf /"]
            """)
        let dir = try TemporaryDirectory()
        for role in ClusterRole.allCases {
            let script = try Self.renderer(cluster, paths: ClusterPaths(stateDir: dir.path, cluster: "c1")).render(role)
            let file = dir.path + "/\(role).sh"
            try script.write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try bash(["-n", file]).status == 0, "\(role) script does not parse")
        }
        // Run the environment lines alone and print the value back.
        let env = Self.renderer(cluster).placeholders(for: .engine)["environment"]!
        let echoed = try bash(["-c", env + "\nprintf '%s' \"$GREETING\""])
        #expect(echoed.stdout == "it's $(touch /tmp/pwned); `id` \"x\" \\ *")
    }

    /// The address rules run on this machine: auto, an interface, an address the node has, a network; an address
    /// it lacks fails with what it has.
    @Test func pickAddressFollowsTheSelector() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/venv/bin", withIntermediateDirectories: true)
        try dir.write("venv/bin/activate", "")
        let cluster = try Self.cluster("workdir = \"\(dir.path)\"\nvenv = \"\(dir.path)/venv\"\n")
        let template = ScriptTemplate(text: BuiltInTemplates.prologue + "pick_address \"$1\"\n", origin: "test")
        let script = try Self.renderer(cluster, paths: ClusterPaths(stateDir: dir.path, cluster: "c1"))
            .render(.controller, template: template)
        let file = try dir.write("pick.sh", script)
        func pick(_ selector: String) throws -> ProcessOutput { try bash([file, selector]) }
        #expect(try pick("lo").stdout == "127.0.0.1\n")
        #expect(try pick("127.0.0.0/8").stdout == "127.0.0.1\n")
        #expect(try pick("127.0.0.1").stdout == "127.0.0.1\n")
        let auto = try pick("auto")
        #expect(auto.status == 0 && AddressSelector.isIPLiteral(auto.stdout.trimmingCharacters(in: .newlines)))
        let missing = try pick("198.51.100.0/24")
        #expect(missing.status == 1 && missing.stdout.isEmpty)
        #expect(missing.stderr.contains("no address of this node matches 198.51.100.0/24 (it has: 127.0.0.1"))
    }

    private func bash(_ arguments: [String]) throws -> ProcessOutput {
        try TestProcess.run("/bin/bash", arguments)
    }
}
