import ClusterConfiguration
import Testing
import TestSupport

/// `daemon.socket` from files that are broken elsewhere: clients find a daemon that runs on an older, valid file.
@Suite struct DaemonSocketSettingTests {
    let environment = ConfigEnvironment(home: "/home/ana", uid: 1000, xdgRuntimeDir: "/run/user/1000")
    let noRuntime = ConfigEnvironment(home: "/home/ana", uid: 1000)
    let dir: TemporaryDirectory

    init() throws {
        dir = try TemporaryDirectory()
    }

    func setting(_ text: String, _ environment: ConfigEnvironment) throws -> DaemonSocketSetting {
        try ConfigLoader(environment: environment).socketSetting(path: try dir.write("c.toml", text))
    }

    @Test func validFileNoWarning() throws {
        let answer = try setting("[daemon]\nsocket = \"~/s.sock\"\n[clusters.default]\n", environment)
        #expect(answer == DaemonSocketSetting(path: "/home/ana/s.sock", warning: nil))
    }

    /// An invalid value elsewhere, an unknown key, a TOML syntax error elsewhere: the socket is still found.
    @Test(arguments: [
        ("[daemon]\nsocket = \"/tmp/x.sock\"\n[clusters.default.engines]\njobs = \"two\"\n", "/tmp/x.sock",
         "line 4: clusters.default.engines.jobs: must be an integer"),
        ("[daemon]\nsocket = \"/tmp/x.sock\"\npoll_intervall = \"30s\"\n[clusters.default]\n", "/tmp/x.sock",
         "unknown key"),
        ("[daemon]\nsocket = \"/tmp/x.sock\"\n[clusters.default]\nvenv = \"~/venv\n", "/tmp/x.sock",
         "TOML syntax error"),
        ("[clusters.default]\nvenv = [\n", "/run/user/1000/clusterd/clusterd.sock", "TOML syntax error"),
        ("daemon.socket = \"/tmp/dotted.sock\"\n[clusters.x\n", "/tmp/dotted.sock", "TOML syntax error"),
    ])
    func brokenElsewhere(text: String, socket: String, problem: String) throws {
        let answer = try setting(text, environment)
        #expect(answer.path == socket)
        let warning = try #require(answer.warning)
        #expect(warning.contains(problem), "\(warning)")
        #expect(warning.contains("a running clusterd keeps the configuration it last read"))
        #expect(!warning.contains("\n"), "one line")
    }

    /// Without XDG_RUNTIME_DIR the default lies in state_dir, which is then read too.
    @Test func defaultFromStateDir() throws {
        let answer = try setting("[daemon]\nstate_dir = \"~/st\"\npoll_interval = 1\n", noRuntime)
        #expect(answer.path == "/home/ana/st/clusterd.sock")
        #expect(answer.warning != nil)
        let broken = try setting("[daemon]\nstate_dir = \"~/st\"\n[clusters.a\n", noRuntime)
        #expect(broken.path == "/home/ana/st/clusterd.sock")
        // With a runtime dir, a broken state_dir does not matter.
        #expect(try setting("[daemon]\nstate_dir = 5\n", environment).path == "/run/user/1000/clusterd/clusterd.sock")
    }

    @Test(arguments: [
        ("[daemon]\nsocket = 5\n[clusters.default]\n", "daemon.socket: must be a string, got 5"),
        ("[daemon]\nsocket = \"rel/x.sock\"\n", "daemon.socket: must be an absolute path"),
        ("[daemon]\nsocket = \"/tmp/x.sock\n[clusters.a]\n", "daemon.socket: line 2 is not valid TOML"),
        ("daemon = 3\n", "daemon.socket: [daemon] is not a table"),
    ])
    func unreadableSocketSaysHowToPassIt(text: String, message: String) throws {
        let path = try dir.write("c.toml", text)
        do {
            _ = try ConfigLoader(environment: environment).socketSetting(path: path)
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.contains("pass --socket PATH"), "\(error)")
        }
    }

    @Test func missingFile() {
        #expect(throws: ConfigError.self) {
            try ConfigLoader(environment: environment).socketSetting(path: "/nonexistent/clusterd.toml")
        }
    }
}
