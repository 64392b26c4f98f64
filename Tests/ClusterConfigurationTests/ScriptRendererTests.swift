import ClusterConfiguration
import ClusterCore
import Foundation
import TestSupport
import Testing

@Suite struct ScriptRendererTests {
    static func cluster(_ extra: String = "") throws -> ClusterConfig {
        let loader = ConfigLoader(environment: ConfigEnvironment(home: "/home/ada", uid: 1_000))
        let config = try loader.parse("[clusters.c1]\nprofile = \"mpi\"\n" + extra, path: "t.toml")
        return try #require(config.cluster(named: "c1"))
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
            try ScriptRenderer(cluster: try Self.cluster(), reportDir: "/r").render(.controller, template: template)
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
        let script = try ScriptRenderer(cluster: cluster, reportDir: "/home/ada/r").render(role)
        #expect(script.hasPrefix("#!/bin/bash\n"))
        #expect(script.contains("${PBS_JOBID:-${SLURM_JOB_ID:-unknown}}"))
        #expect(script.contains("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"))
        #expect(script.contains("source /home/ada/venv/bin/activate"))
        switch role {
        case .controller:
            #expect(script.contains("ipcontroller --profile=mpi --ip=\"$ADDR\""))
            #expect(script.contains("ADDR=$(address_of ib0)"))
        case .engine:
            #expect(script.contains("mpirun ${NP:+-np \"$NP\"} --oversubscribe ipengine --mpi --profile=mpi"))
            #expect(script.contains("--timeout=60"))
            #expect(!script.contains("--ip"))
        case .notebook:
            #expect(script.contains("jupyter notebook --no-browser"))
            #expect(script.contains("--port=\(NotebookConfig.defaultPort(uid: 1_000))"))
        }
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
            let script = try ScriptRenderer(cluster: cluster, reportDir: dir.path + "/r").render(role)
            let file = dir.path + "/\(role).sh"
            try script.write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try bash(["-n", file]).status == 0, "\(role) script does not parse")
        }
        // Run the environment lines alone and print the value back.
        let env = ScriptRenderer(cluster: cluster, reportDir: "/r").placeholders(for: .engine)["environment"]!
        let echoed = try bash(["-c", env + "\nprintf '%s' \"$GREETING\""])
        #expect(echoed.stdout == "it's $(touch /tmp/pwned); `id` \"x\" \\ *")
    }

    private func bash(_ arguments: [String]) throws -> ProcessOutput {
        try TestProcess.run("/bin/bash", arguments)
    }
}
