import ArgumentParser
import ClusterCLI
@testable import ClusterCtlCommands
import ClusterCore
import Testing

/// clusterctl's command line, parsed in process: what it accepts, what it refuses and what it says then.
@Suite struct ParsingTests {
    @Test func scaleTakesACount() throws {
        let command = try #require(try Clusterctl.parseAsRoot(["scale", "big", "3", "--json"]) as? Scale)
        #expect(command.cluster == "big")
        #expect(command.engines == 3)
    }

    /// `-1` looks like an option to argument-parser, which used to answer "Missing expected argument".
    @Test(arguments: [["scale", "c", "-1"], ["scale", "c", "--", "-1"]])
    func negativeCountIsAUsageErrorSayingSo(arguments: [String]) async throws {
        let run = await InProcess.clusterctl(arguments)
        #expect(run.status == 2)
        #expect(run.stderr.contains("the engine count must be 0 or more, not -1"), "\(run.stderr)")
        #expect(!run.stderr.contains("Missing expected argument"))
    }

    @Test func scaleWithoutACountOrWithAStrayOption() async throws {
        let missing = await InProcess.clusterctl(["scale", "c"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("missing the engine count: clusterctl scale c <n>"), "\(missing.stderr)")
        let stray = await InProcess.clusterctl(["scale", "c", "2", "--bogus"])
        #expect(stray.status == 2)
        #expect(stray.stderr.contains("unknown option '--bogus'"), "\(stray.stderr)")
        let word = await InProcess.clusterctl(["scale", "c", "two"])
        #expect(word.status == 2)
        #expect(word.stderr.contains("'two'"), "\(word.stderr)")
    }

    @Test func rolesAndSince() throws {
        let stop = try #require(try Clusterctl.parseAsRoot(["stop", "t", "--role", "engines"]) as? Stop)
        #expect(stop.arguments.role?.role == .engine)
        #expect(throws: (any Error).self) { try Clusterctl.parseAsRoot(["stop", "--role", "workers"]) }
        #expect(throws: (any Error).self) { try Clusterctl.parseAsRoot(["events", "--since", "yesterday"]) }
        let events = try #require(try Clusterctl.parseAsRoot(["events", "-f", "--since", "10m"]) as? Events)
        #expect(events.follow)
        #expect(try EventLine.since("10m", now: 10_000) == 9_400)
        #expect(try EventLine.since("1760000000", now: 0) == 1_760_000_000)
    }

    @Test func usageErrorsExitTwoAndHelpExitsZero() async throws {
        let unknown = await InProcess.clusterctl(["stauts"])
        #expect(unknown.status == 2)
        let help = await InProcess.clusterctl(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: clusterctl <subcommand>"))
        #expect(help.stderr.isEmpty)
    }

    @Test func helpTexts() {
        func flat(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let root = flat(Clusterctl.helpMessage())
        #expect(root.contains("Exit codes: 0 ok, 1 error, 2 usage, 3 clusterd is not running, 4 no such cluster."))
        #expect(root.contains("reads only daemon.socket"))
        for name in ["status", "start", "stop", "restart", "scale", "reset", "events", "logs", "connect", "reload",
                     "check-config", "version"] {
            #expect(root.contains(" \(name) "), "\(name) missing from the command list")
        }
        let scale = Clusterctl.helpMessage(for: Scale.self)
        #expect(scale.contains("USAGE: clusterctl scale <cluster> <n>"), "\(scale)")
        #expect(scale.contains("Engine jobs wanted (0 or more)."))
        #expect(!scale.contains("unrecognized"))
        #expect(flat(Clusterctl.helpMessage(for: Logs.self)).contains("Needs only the daemon"))
        #expect(Clusterctl.helpMessage(for: Status.self).contains("--socket <path>"))
    }
}
