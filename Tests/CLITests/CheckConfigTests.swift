import Foundation
import Testing
import TestSupport

@Suite struct CheckConfigTests {
    let example = Product.repositoryRoot.appendingPathComponent("config/clusterd.example.toml").path

    @Test(arguments: ["clusterd", "clusterctl"])
    func exampleIsValid(tool: String) throws {
        let run = try Product.run(tool, ["check-config", "--config", example])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("clusterd.example.toml: OK"))
        #expect(run.stdout.contains("cluster default:"))
        #expect(run.stdout.contains("engines:    2 jobs"))
        #expect(run.stderr.isEmpty)
    }

    @Test func defaultPathFollowsXDGConfigHome() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/clusterd", withIntermediateDirectories: true)
        _ = try dir.write("clusterd/clusterd.toml", "[clusters.mine]\n")
        let run = try Product.run("clusterd", ["check-config"], environment: ["XDG_CONFIG_HOME": dir.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("cluster mine:"))
    }

    /// The four: a wrong type, an unknown key, a bad duration, a shell metacharacter in a queue name.
    @Test(arguments: [
        ("[clusters.default.engines]\njobs = \"two\"\n",
         "bad.toml:2: clusters.default.engines.jobs: must be an integer"),
        ("[clusters.default]\nprofil = \"pbs\"\n", "bad.toml:2: clusters.default.profil: unknown key (did you mean"),
        ("[daemon]\npoll_interval = \"thirty\"\n[clusters.default]\n",
         "bad.toml:2: daemon.poll_interval: must be a duration"),
        ("[clusters.default.controller]\nqueue = \"q1|mail\"\n",
         "bad.toml:2: clusters.default.controller.queue: must be letters, digits"),
    ])
    func badFilesExitNonZeroNamingTheKey(text: String, expected: String) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("bad.toml", text)
        let run = try Product.run("clusterd", ["check-config", "--config", path])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains(dir.path + "/" + expected), "\(run.stderr)")
    }

    @Test func missingFile() throws {
        let run = try Product.run("clusterd", ["check-config", "--config", "/nonexistent/x.toml"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("/nonexistent/x.toml: no such file"))
    }

    @Test(arguments: ["clusterd", "clusterctl"])
    func versionAndHelp(tool: String) throws {
        let version = try Product.run(tool, ["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let help = try Product.run(tool, ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: \(tool)"))
        let usage = try Product.run(tool, ["--no-such-flag"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("no-such-flag"))
    }
}
