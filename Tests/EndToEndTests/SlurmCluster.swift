import Foundation
import Testing
import TestSupport

/// A Slurm job of one test's cluster, as `squeue` shows it.
struct SlurmJob: Equatable {
    var id: String
    var name: String
    /// squeue's compact state: PD, R, CG, ...
    var state: String
    var isController: Bool { name.hasSuffix("-ctl") || name.hasSuffix("-controller") }
    var isEngine: Bool { name.hasSuffix("-eng") || name.hasSuffix("-engine") }
}

/// What scripts/e2e_client.py printed.
struct ClientAnswer: Decodable {
    struct Result: Decodable {
        var engine: Int
        var rank: Int
        var size: Int
        var host: String
        var value: Int
    }
    var ok: Bool
    var controllerJob: String?
    var generation: Int?
    var engines: Int
    var results: [Result]
    var seconds: Double
    var error: String?

    enum CodingKeys: String, CodingKey {
        case ok, generation, engines, results, seconds, error
        case controllerJob = "controller_job"
    }

    /// The answer in the last line the script printed; records an issue with all it printed when there is none.
    init(printed output: ProcessOutput) throws {
        let line = output.stdout.split(separator: "\n").last.map(String.init) ?? ""
        do {
            self = try JSONDecoder().decode(ClientAnswer.self, from: Data(line.utf8))
        } catch {
            Issue.record("client printed no answer (exit \(output.status)): \(output.stdout) \(output.stderr)")
            throw error
        }
    }
}

/// A clusterd configuration in a temporary directory against the machine's real Slurm (PBS wrappers), run by the
/// real `clusterd` binary ticking every second (`CLUSTERD_TEST_POLL_INTERVAL_MS`). `qstat` is a shim that runs
/// the real one unless the file `qstat-fail` exists (then it exits 255, as a PBS server that is down).
final class SlurmCluster {
    let name: String
    let root: String
    let configPath: String
    let engines: Int
    private(set) var daemon: Process?
    private var daemonRuns = 0

    /// The controller's walltime and `renew_before` (nil: the default 15 minutes, no renewal within a test).
    let controllerWalltime: String
    let renewBefore: String?

    /// `name` must be unique per test (job names are `cd-<name>-ctl` / `cd-<name>-engine`).
    init(name: String, engines: Int = 2, dialect: String = "slurm-wrapper", onSIGTERM: String = "keep-jobs",
         controllerWalltime: String = "01:00:00", renewBefore: String? = nil) throws {
        self.name = name
        self.engines = engines
        self.controllerWalltime = controllerWalltime
        self.renewBefore = renewBefore
        root = "/tmp/clusterd-e2e-\(name)-\(UUID().uuidString.prefix(8))"
        configPath = root + "/clusterd.toml"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let shim = """
            #!/bin/sh
            if [ -e \(root)/qstat-fail ]; then echo "qstat-shim: failing on purpose" >&2; exit 255; fi
            exec /usr/bin/qstat "$@"

            """
        try shim.write(toFile: root + "/qstat-shim", atomically: true, encoding: .utf8)
        chmod(root + "/qstat-shim", 0o755)
        try writeConfig(dialect: dialect, onSIGTERM: onSIGTERM)
    }

    /// (Re)writes the configuration; takes effect at the next daemon start.
    func writeConfig(dialect: String, onSIGTERM: String) throws {
        let config = """
            [daemon]
            poll_interval = "10s"
            command_timeout = "30s"
            qstat = "\(root)/qstat-shim"
            qsub = "/usr/bin/qsub"
            qdel = "/usr/bin/qdel"
            dialect = "\(dialect)"
            state_dir = "\(root)/state"
            socket = "\(root)/cd.sock"
            on_sigterm = "\(onSIGTERM)"

            [clusters.\(name)]
            venv = "\(EndToEndEnvironment.venv)"
            ipython_dir = "\(root)/ipython"
            workdir = "\(root)"

            [clusters.\(name).controller]
            select = "1:ncpus=1"
            walltime = "\(controllerWalltime)"
            \(renewBefore.map { "renew_before = \"\($0)\"" } ?? "")
            # Loopback only: the tests talk to nothing else (the jobs run on this host).
            address = "127.0.0.1"
            restart = { initial_backoff = "1s", max_backoff = "2s" }

            [clusters.\(name).engines]
            jobs = \(engines)
            select = "1:ncpus=1:mpiprocs=2"
            walltime = "01:00:00"
            mpi_args = ["--oversubscribe"]
            restart = { initial_backoff = "1s", max_backoff = "2s" }

            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    deinit {
        if let daemon, daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        // No job may outlive its test.
        let ids = (try? Self.squeue(prefix: "cd-\(name)-").map(\.id)) ?? []
        if !ids.isEmpty { _ = try? Self.runSync("/usr/bin/scancel", ids) }
        // Cancelled jobs still write (ipcontroller's files as it stops): the directory goes once they are gone,
        // or it comes back under /tmp.
        for _ in 0..<30 where !((try? Self.squeue(prefix: "cd-\(name)-").isEmpty) ?? true) { usleep(500_000) }
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: - The daemon

    /// Starts `clusterd run`; its output goes to `<root>/daemon-<n>.log`.
    func startDaemon() throws {
        daemonRuns += 1
        let log = root + "/daemon-\(daemonRuns).log"
        daemon = try EndToEndEnvironment.launchDaemon(
            ["--config", configPath], environment: ["CLUSTERD_TEST_POLL_INTERVAL_MS": "1000"], log: log)
    }

    /// Sends `signal` to the daemon and waits (at most `timeout` s) for it to exit; returns its status.
    @discardableResult
    func stopDaemon(_ signal: Int32 = SIGTERM, timeout: Double = 30) async throws -> Int32 {
        let process = try #require(daemon, "no daemon running")
        kill(process.processIdentifier, signal)
        let exited = await Poll.until(timeout) { !process.isRunning }
        try #require(exited, "clusterd did not exit \(timeout) s after signal \(signal); see \(daemonLog)")
        daemon = nil
        return process.terminationStatus
    }

    var daemonLog: String { root + "/daemon-\(daemonRuns).log" }

    /// Every daemon log so far, concatenated.
    func daemonLogs() -> String {
        (1...max(daemonRuns, 1)).compactMap { try? String(contentsOfFile: root + "/daemon-\($0).log", encoding: .utf8) }
            .joined()
    }

    // MARK: - Observing

    /// This cluster's jobs that squeue still shows and that are not completing.
    func liveJobs() throws -> [SlurmJob] {
        try Self.squeue(prefix: "cd-\(name)-").filter { $0.state != "CG" && $0.state != "CD" }
    }

    func running(controllers: Bool) throws -> [SlurmJob] {
        try liveJobs().filter { $0.state == "R" && (controllers ? $0.isController : $0.isEngine) }
    }

    /// The handoff file as JSON, or nil before the first one.
    func handoff() throws -> [String: Any]? {
        let path = "\(root)/state/\(name)/controller.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    func handoffGeneration() throws -> Int? { try handoff()?["generation"] as? Int }

    /// The reconciler's persisted state (`stale`: the last qstat failed).
    func state() throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: "\(root)/state/\(name)/state.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Events recorded in `<state>/events.log`, oldest first.
    func events() -> [[String: Any]] {
        let text = (try? String(contentsOfFile: root + "/state/events.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// Event kinds recorded in `<state>/events.log`, oldest first.
    func eventKinds() -> [String] { events().compactMap { $0["kind"] as? String } }

    /// Starts scripts/e2e_probe.py on this cluster (`clusterd.connect()` asks the daemon's socket for the
    /// handoff file).
    func probe() throws -> EngineProbe {
        try EngineProbe(cluster: name, directory: root,
                        environment: ["CLUSTERD_SOCKET": root + "/cd.sock", "IPYTHONDIR": root + "/ipython"])
    }

    /// Runs the ipyparallel client until every engine (jobs × 2 MPI ranks) answers an MPI task, or `timeout`.
    func client(timeout: Double) async throws -> ClientAnswer {
        let output = try await Self.run(
            EndToEndEnvironment.venv + "/bin/python",
            [EndToEndEnvironment.clientScript, "\(root)/state/\(name)/controller.json", "\(engines * 2)",
             "\(Int(timeout))"],
            environment: ["IPYTHONDIR": root + "/ipython"], timeout: timeout + 30)
        return try ClientAnswer(printed: output)
    }

    func touch(_ file: String) { _ = FileManager.default.createFile(atPath: root + "/" + file, contents: nil) }
    func remove(_ file: String) { try? FileManager.default.removeItem(atPath: root + "/" + file) }

    // MARK: - Commands

    /// `squeue` rows whose job name starts with `prefix`.
    static func squeue(prefix: String) throws -> [SlurmJob] {
        let output = try runSync("/usr/bin/squeue", ["-h", "-o", "%i|%j|%t"])
        return output.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, parts[1].hasPrefix(prefix) else { return nil }
            return SlurmJob(id: parts[0], name: parts[1], state: parts[2])
        }
    }

    /// A short command (squeue, qdel, scancel), synchronously, at most 20 s.
    @discardableResult
    static func runSync(_ executable: String, _ arguments: [String]) throws -> ProcessOutput {
        try TestProcess.run(executable, arguments, timeout: 20)
    }

    /// A long command without blocking a cooperative thread.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Double) async throws -> ProcessOutput {
        try await TestProcess.runOffPool(executable, arguments, environment: environment, timeout: Int(timeout))
    }
}
