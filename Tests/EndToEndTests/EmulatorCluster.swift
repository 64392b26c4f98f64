import Foundation
import Testing
import TestSupport

/// A job of the emulator as `qstat -x -f -F json` shows it.
struct EmulatorJob: Equatable {
    var id: String
    var name: String
    /// The cluster clusterd tagged it with (`CLUSTERD_CLUSTER` in its Variable_List).
    var cluster: String?
    /// PBS state letter: Q, R, H, F.
    var state: String
    var substate: Int?
    var exitStatus: Int?

    var isController: Bool { name.hasSuffix("-ctl") || name.hasSuffix("-controller") }
    var isEngine: Bool { name.hasSuffix("-eng") || name.hasSuffix("-engine") }
    var isNotebook: Bool { name.hasSuffix("-nb") || name.hasSuffix("-notebook") }
    var isLive: Bool { state != "F" }
}

/// One cluster of an emulator configuration.
struct EmulatedClusterOptions {
    /// Keep it at 5 characters or fewer: job names are cut to 15 (`cd-<name>-engine`), and scenario b's queue
    /// wait matches the uncut name.
    var name: String
    var engines = 2
    var controllerWalltime = "01:00:00"
    /// Nil: the default (15 minutes, no renewal within a test).
    var renewBefore: String?
    /// A port runs the notebook role (a real Jupyter server) on it; nil: no notebook.
    var notebookPort: Int?
    /// `engines.controller_wait`; nil: the default (5 minutes).
    var controllerWait: String?
}

/// One test's private PBS and clusterd: a pbs-emu server (own `PBS_EMU_HOME`) and the real `clusterd run` with
/// the built-in job scripts, so the jobs run real ipcontroller, `mpirun ipengine` and Jupyter from the e2e venv.
///
/// The configuration sits where users keep theirs (`$XDG_CONFIG_HOME/clusterd/clusterd.toml`, with
/// `XDG_CONFIG_HOME` in every command's environment), so clusterctl and `clusterd.connect()` find the daemon's
/// socket the way they do for a user. Controllers and notebooks bind to 127.0.0.1: the tests talk to loopback and
/// unix sockets only. The daemon ticks every `pollMilliseconds` (`CLUSTERD_TEST_POLL_INTERVAL_MS`), while the
/// configured `poll_interval` stays at its 10 s floor.
final class EmulatorCluster {
    let root: String
    let bin: String
    let configPath: String
    let options: [EmulatedClusterOptions]
    /// For every command run against this cluster: its emulator, its configuration.
    let environment: [String: String]
    private(set) var daemon: Process?
    private var daemonRuns = 0

    /// The daemon's tick in these tests.
    static let pollMilliseconds = 2000
    /// This cluster's daemon tick (`pollMilliseconds` unless a test needs another).
    let tick: Int
    /// The configured `poll_interval` (the lowest clusterd accepts).
    static let configuredPollInterval: Double = 10

    init(_ tag: String, clusters options: [EmulatedClusterOptions], tick: Int = pollMilliseconds) throws {
        self.options = options
        self.tick = tick
        root = "/tmp/cd-e2e-\(tag)-\(UUID().uuidString.prefix(8))"
        bin = root + "/bin"
        configPath = root + "/xdg/clusterd/clusterd.toml"
        environment = [
            "PBS_EMU_HOME": root + "/emu", "PBS_EMU_SERVER": "e2e", "XDG_CONFIG_HOME": root + "/xdg",
            // The clients' own ipyparallel profile stays in the sandbox too.
            "IPYTHONDIR": root + "/ipython",
        ]
        try FileManager.default.createDirectory(atPath: root + "/xdg/clusterd", withIntermediateDirectories: true)
        let links = try TestProcess.run(EndToEndEnvironment.pbsEmu, ["install-links", bin], environment: environment)
        try #require(links.status == 0, "pbs-emu install-links: \(links.stderr)")
        try config().write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// The configuration: one daemon, the clusters of `options`, all on the same ipyparallel profile.
    private func config() -> String {
        var text = """
            [daemon]
            poll_interval = "10s"
            command_timeout = "30s"
            qstat = "\(bin)/qstat"
            qsub = "\(bin)/qsub"
            qdel = "\(bin)/qdel"
            state_dir = "\(root)/state"
            socket = "\(root)/cd.sock"
            on_sigterm = "stop-jobs"

            """
        for cluster in options {
            let name = cluster.name
            text += """

                [clusters.\(name)]
                venv = "\(EndToEndEnvironment.venv)"
                ipython_dir = "\(root)/ipython"
                workdir = "\(root)"

                [clusters.\(name).environment]
                # Jupyter's runtime files (kernel connection files) and data stay in the sandbox.
                JUPYTER_RUNTIME_DIR = "\(root)/jupyter/runtime"
                JUPYTER_DATA_DIR = "\(root)/jupyter/data"

                [clusters.\(name).controller]
                select = "1:ncpus=1"
                walltime = "\(cluster.controllerWalltime)"
                \(cluster.renewBefore.map { "renew_before = \"\($0)\"" } ?? "")
                address = "127.0.0.1"
                restart = { initial_backoff = "1s", max_backoff = "2s" }

                [clusters.\(name).engines]
                jobs = \(cluster.engines)
                select = "1:ncpus=1:mpiprocs=2"
                walltime = "01:00:00"
                mpi_args = ["--oversubscribe"]
                \(cluster.controllerWait.map { "controller_wait = \"\($0)\"" } ?? "")
                restart = { initial_backoff = "1s", max_backoff = "2s" }

                """
            if let port = cluster.notebookPort {
                text += """

                    [clusters.\(name).notebook]
                    enabled = true
                    app = "notebook"
                    port = \(port)
                    restart = { initial_backoff = "1s", max_backoff = "2s" }

                    """
            }
        }
        return text
    }

    deinit {
        // A test that failed early: nothing may outlive it (shutdown() is the orderly way).
        if let daemon, daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        _ = try? TestProcess.run(EndToEndEnvironment.pbsEmu, ["server", "stop"], environment: environment,
                                 timeout: 60)
        for pid in Self.processes(inheriting: environment["PBS_EMU_HOME"]!) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: root)
    }

    // MARK: - The daemon

    /// Starts `clusterd run` (it finds the configuration as it does for a user); output to `daemon-<n>.log`.
    func startDaemon() throws {
        daemonRuns += 1
        let log = daemonLog
        daemon = try EndToEndEnvironment.launchDaemon(
            [], environment: environment.merging(["CLUSTERD_TEST_POLL_INTERVAL_MS": "\(tick)"]) { $1 }, log: log)
    }

    var daemonLog: String { root + "/daemon-\(max(daemonRuns, 1)).log" }

    /// Stops the daemon (SIGTERM: `on_sigterm = "stop-jobs"` deletes every job), then the emulator (which ends
    /// whatever is left), and waits until no process that a job started is left. Returns the processes that
    /// had to be killed at the end (each described by its command line): none, when everything ended by itself.
    func shutdown() async -> [String] {
        if let daemon, daemon.isRunning {
            kill(daemon.processIdentifier, SIGTERM)
            if !(await Poll.until(60) { !daemon.isRunning }) { kill(daemon.processIdentifier, SIGKILL) }
        }
        daemon = nil
        _ = try? await TestProcess.runOffPool(EndToEndEnvironment.pbsEmu, ["server", "stop"],
                                              environment: environment, timeout: 60)
        // ipengine's nannies live in sessions of their own and end within ~3 s of their engine; Jupyter kernels
        // end when they notice their server is gone.
        let home = environment["PBS_EMU_HOME"]!
        _ = await Poll.until(15) { Self.processes(inheriting: home).isEmpty }
        let left = Self.processes(inheriting: home)
        let described = left.map { pid in
            let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "?"
            return "\(pid) " + command.replacingOccurrences(of: "\0", with: " ")
        }
        for pid in left { kill(pid, SIGKILL) }
        return described
    }

    /// Processes whose environment has `PBS_EMU_HOME=<home>`: every job process and whatever a job started.
    static func processes(inheriting home: String) -> [Int32] {
        let marker = Data("PBS_EMU_HOME=\(home)\0".utf8)
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != me, let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else {
                return false
            }
            return environ.range(of: marker) != nil
        }
    }

    // MARK: - Commands

    /// `pbs-emu ARGUMENTS` against this cluster's emulator.
    @discardableResult
    func emu(_ arguments: String...) async throws -> ProcessOutput {
        let output = try await TestProcess.runOffPool(EndToEndEnvironment.pbsEmu, arguments,
                                                      environment: environment, timeout: 30)
        try #require(output.status == 0, "pbs-emu \(arguments.joined(separator: " ")): \(output.stderr)")
        return output
    }

    /// qsub calls so far (`pbs-emu stats`).
    func qsubCount() async throws -> Int {
        let stats = try JSONSerialization.jsonObject(with: Data(try await emu("stats").stdout.utf8))
        return try #require((stats as? [String: Any])?["qsub"] as? Int, "pbs-emu stats")
    }

    /// Every job the emulator knows, finished ones included, in submission order.
    func jobs() async throws -> [EmulatorJob] {
        let output = try await emu("qstat", "-x", "-f", "-F", "json")
        let document = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        let listed = document?["Jobs"] as? [String: [String: Any]] ?? [:]
        return listed.map { id, job in
            EmulatorJob(
                id: id, name: job["Job_Name"] as? String ?? "",
                cluster: (job["Variable_List"] as? [String: Any])?["CLUSTERD_CLUSTER"] as? String,
                state: job["job_state"] as? String ?? "?", substate: job["substate"] as? Int,
                exitStatus: job["Exit_status"] as? Int)
        }.sorted { (Int($0.id.prefix { $0.isNumber }) ?? 0) < (Int($1.id.prefix { $0.isNumber }) ?? 0) }
    }

    /// The live (not finished) jobs of `cluster`.
    func liveJobs(_ cluster: String) async throws -> [EmulatorJob] {
        try await jobs().filter { $0.cluster == cluster && $0.isLive }
    }

    /// `clusterctl ARGUMENTS` as a user runs it (the configuration at its default place).
    func clusterctl(_ arguments: String...) async throws -> ProcessOutput {
        try await TestProcess.runOffPool(EndToEndEnvironment.clusterctl, arguments, environment: environment,
                                         timeout: 60)
    }

    /// `python -c CODE` in the e2e venv, with this cluster's environment.
    func python(_ code: String, timeout: Int = 120) async throws -> ProcessOutput {
        try await TestProcess.runOffPool(EndToEndEnvironment.venv + "/bin/python", ["-c", code],
                                         environment: environment, timeout: timeout)
    }

    /// scripts/e2e_notebook.py ARGUMENTS.
    func notebook(_ arguments: [String], timeout: Int = 300) async throws -> ProcessOutput {
        try await TestProcess.runOffPool(EndToEndEnvironment.venv + "/bin/python",
                                         [EndToEndEnvironment.notebookScript] + arguments,
                                         environment: environment, timeout: timeout)
    }

    /// scripts/e2e_client.py against `cluster`'s handoff file: an MPI task on every engine until `engines` answer.
    func client(_ cluster: String, engines: Int, timeout: Double = 120) async throws -> ClientAnswer {
        let output = try await TestProcess.runOffPool(
            EndToEndEnvironment.venv + "/bin/python",
            [EndToEndEnvironment.clientScript, handoffPath(cluster), "\(engines)", "\(Int(timeout))"],
            environment: environment, timeout: Int(timeout) + 30)
        return try ClientAnswer(printed: output)
    }

    /// Starts scripts/e2e_probe.py on `cluster` (it finds the socket and the handoff through the configuration).
    func probe(_ cluster: String) throws -> EngineProbe {
        try EngineProbe(cluster: cluster, directory: root, environment: environment)
    }

    // MARK: - Files

    func handoffPath(_ cluster: String) -> String { "\(root)/state/\(cluster)/controller.json" }

    /// The handoff file as JSON, or nil before the first one.
    func handoff(_ cluster: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: handoffPath(cluster)) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// The handoff's controller job when it is not stale (clients may connect to it), else nil.
    func currentController(_ cluster: String) -> String? {
        guard let handoff = handoff(cluster), handoff["stale"] as? Bool == false else { return nil }
        return handoff["controller_job"] as? String
    }

    /// A report a job of `cluster` wrote (`controller-<id>.json`, `health-<id>.json`, ...).
    func reportPath(_ cluster: String, _ name: String) -> String { "\(root)/state/\(cluster)/reports/\(name)" }

    func report(_ cluster: String, _ name: String) -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: reportPath(cluster, name)) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// When the report was last written (epoch seconds), or nil when it does not exist.
    func reportTime(_ cluster: String, _ name: String) -> Double? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: reportPath(cluster, name))
        return (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
    }

    /// The daemon's events (`<state>/events.log`), oldest first, optionally of one cluster.
    func events(_ cluster: String? = nil) -> [[String: Any]] {
        let text = (try? String(contentsOfFile: root + "/state/events.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }.filter { cluster == nil || $0["cluster"] as? String == cluster }
    }

    func eventKinds(_ cluster: String) -> [String] { events(cluster).compactMap { $0["kind"] as? String } }

    /// The first event of `kind` for `cluster` (and `jobID` when given).
    func event(_ cluster: String, _ kind: String, jobID: String? = nil) -> [String: Any]? {
        events(cluster).first { $0["kind"] as? String == kind && (jobID == nil || $0["jobID"] as? String == jobID) }
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now (for the notebook).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : 18_931
    }
}
