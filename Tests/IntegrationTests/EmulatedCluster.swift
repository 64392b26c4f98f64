import ClusterAPI
import ClusterConfiguration
import ClusterCore
import ClusterDaemon
import Foundation
import Logging
import PBSCore
import POSIXSupport
import TestSupport
import Testing

/// A pbs-emu server in a temporary directory, a clusterd configuration using it, and job templates that stand in
/// for ipyparallel: the controller reports 127.0.0.1 and sleeps, engines sleep.
final class EmulatedCluster {
    let root: String
    let bin: String
    let configPath: String
    let environment: [String: String]

    static let productDirectory = BuiltProducts.directory

    /// `notebook`: the notebook role's job script, or nil for no notebook.
    init(engines: Int = 2, extraDaemon: String = "", controllerReports: Bool = true, controllerExtra: String = "",
         notebook: String? = nil) throws
    {
        root = NSTemporaryDirectory() + "clusterd-it-\(UUID().uuidString.prefix(8))"
        bin = root + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        environment = ["PBS_EMU_HOME": root + "/emu", "PBS_EMU_SERVER": "emu"]
        configPath = root + "/clusterd.toml"
        // Passed to every command explicitly, never through the process environment: suites run in parallel.
        _ = try emu(["install-links", bin])
        _ = try emu(["config", "kill-delay", "1s"])
        let controller = !controllerReports ? "#!/bin/bash\nexec sleep 600\n" : """
            #!/bin/bash
            JOBID="${PBS_JOBID:-${SLURM_JOB_ID:-unknown}}"
            mkdir -p {{report_dir}}
            printf '{"job_id": "%s", "address": "127.0.0.1", "engine_file": "%s"}\\n' "$JOBID" \\
                {{report_dir}}/engine.json > {{report_dir}}/.c.$$
            mv {{report_dir}}/.c.$$ {{report_dir}}/controller-$JOBID.json
            echo "controller $JOBID reported 127.0.0.1"
            exec sleep 600
            """
        let engine = "#!/bin/bash\ntest -s {{handoff_file}} || exit 3\nexec sleep 600\n"
        try controller.write(toFile: root + "/controller.sh", atomically: true, encoding: .utf8)
        try engine.write(toFile: root + "/engine.sh", atomically: true, encoding: .utf8)
        try notebook?.write(toFile: root + "/notebook.sh", atomically: true, encoding: .utf8)
        let notebookTable = notebook == nil ? "" : """
            [clusters.t.notebook]
            enabled = true
            port = 8899
            script = "\(root)/notebook.sh"
            """
        let config = """
            [daemon]
            qstat = "\(bin)/qstat"
            qsub = "\(bin)/qsub"
            qdel = "\(bin)/qdel"
            state_dir = "\(root)/state"
            socket = "\(root)/cd.sock"
            command_timeout = "10s"
            \(extraDaemon)
            [clusters.t]
            venv = "\(root)/no-venv"
            [clusters.t.controller]
            script = "\(root)/controller.sh"
            restart = { initial_backoff = "1s", max_backoff = "2s", start_limit_burst = 3 }
            \(controllerExtra)
            [clusters.t.engines]
            jobs = \(engines)
            script = "\(root)/engine.sh"
            restart = { initial_backoff = "1s", max_backoff = "2s" }
            \(notebookTable)
            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        _ = try? emu(["server", "stop"])
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Rewrites the configured engine count (for reload tests).
    func setEngines(_ count: Int) throws {
        let text = try String(contentsOfFile: configPath, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("jobs = ") ? "jobs = \(count)" : String(line)
        }
        try lines.joined(separator: "\n").write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var config: ClusterdConfig {
        get throws {
            try ConfigLoader(environment: ConfigEnvironment(home: root, uid: getuid())).load(path: configPath)
        }
    }

    /// Runs `pbs-emu` with `arguments` and returns its standard output.
    @discardableResult
    func emu(_ arguments: [String]) throws -> String {
        try run(Self.productDirectory.appendingPathComponent("pbs-emu").path, arguments).stdout
    }

    /// Calls per PBS command so far.
    func stats() throws -> [String: Int] {
        try JSONDecoder().decode([String: Int].self, from: Data(try emu(["stats"]).utf8))
    }

    /// `run` on a thread outside Swift's cooperative pool (see `TestProcess.runOffPool`).
    func runOffPool(_ executable: String, _ arguments: [String], extraEnvironment: [String: String] = [:])
        async throws -> ProcessOutput
    {
        try await TestProcess.runOffPool(executable, arguments,
                                         environment: environment.merging(extraEnvironment) { $1 })
    }

    func run(_ executable: String, _ arguments: [String], extraEnvironment: [String: String] = [:])
        throws -> ProcessOutput
    {
        try TestProcess.run(executable, arguments, environment: environment.merging(extraEnvironment) { $1 })
    }

    /// The PBS client of this cluster's configuration, talking to this cluster's emulator.
    func pbsClient() throws -> PBSCommandClient {
        let config = try config
        var configuration = PBSCommandConfiguration(daemon: config.daemon)
        configuration.timeout = .seconds(10)
        configuration.environment = environment
        return PBSCommandClient(configuration: configuration)
    }

    func logger(_ level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: "test") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }

    func supervisor() throws -> Supervisor {
        let logger = logger()
        let events = EventLog(path: root + "/state/events.log", logger: logger)
        return try Supervisor(
            config: try config, environment: SupervisorEnvironment(pbs: try pbsClient(), events: events, logger: logger),
            owner: UserName.current)
    }

    /// Ticks until `condition` holds on the status, at most `limit` ticks, 300 ms apart.
    func tick(_ supervisor: Supervisor, until condition: (ClusterStatus) -> Bool, limit: Int = 40,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> ClusterStatus {
        for _ in 0..<limit {
            await supervisor.tick()
            let status = try #require(await supervisor.status().first)
            if condition(status) { return status }
            try await Task.sleep(for: .milliseconds(300))
        }
        let status = try #require(await supervisor.status().first)
        Issue.record("condition not reached: \(status)", sourceLocation: sourceLocation)
        return status
    }

    /// `clusterd run` on this cluster in the background, polling every `pollMilliseconds` (the test setting), its
    /// output in `log`.
    func launchDaemon(log: String, config: String? = nil, pollMilliseconds: Int = 300,
                      extraEnvironment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = Self.productDirectory.appendingPathComponent("clusterd")
        process.arguments = ["run", "--config", config ?? configPath]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            .merging(["HOME": root, "CLUSTERD_TEST_POLL_INTERVAL_MS": String(pollMilliseconds)]) { $1 }
            .merging(extraEnvironment) { $1 }
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Polls `condition` every 200 ms for at most `seconds`; its last answer.
    static func wait(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(200_000)
        }
        return try condition()
    }

    func handoff() throws -> HandoffDocument? {
        try JSONFile.handoff(root + "/state/t/controller.json").read()
    }
}

extension ClusterStatus {
    /// Live (not retiring) jobs of `role` in PBS state `state`.
    func jobs(_ role: ClusterRole, _ state: PBSJobState = .running) -> [JobStatus] {
        roles.first { $0.role == role }?.jobs.filter { $0.retiring == nil && $0.state == state.rawValue } ?? []
    }
}
