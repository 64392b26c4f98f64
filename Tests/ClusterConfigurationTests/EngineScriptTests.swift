@testable import ClusterConfiguration
import ClusterCore
import Foundation
import TestSupport
import Testing

/// The built-in engines script run by bash, with a stand-in for `mpirun ipengine` (it prints ipengine's
/// registration line and sleeps) and handoff and health files written by the test. The timing rules of a planned
/// controller move are checked here in seconds; the real programs run them in the end-to-end tests.
@Suite struct EngineScriptTests {
    /// A rendered engines script in a temporary directory, with its handoff, health files and fake launcher.
    struct Rig {
        let dir: TemporaryDirectory
        let paths: ClusterPaths
        let handoff: String
        let script: String

        /// `registerWait` and `daemonPollInterval` in seconds; the script looks at the handoff every second.
        init(registerWait: Int, daemonPollInterval: Int) throws {
            dir = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: dir.path + "/venv/bin", withIntermediateDirectories: true)
            _ = try dir.write("venv/bin/activate", "")
            // The stand-in for `mpirun ... ipengine --file=<dir>/e<N>.json`: engine id N registers at once.
            let launcher = try dir.write("mpirun", """
                #!/bin/bash
                for a in "$@"; do case $a in --file=*) f=${a#--file=} ;; esac; done
                n=$(basename "$f" .json); n=${n#e}
                echo $$ > "\(dir.path)/mpirun-g$n.pid"
                echo "Completed registration with id $n"
                exec sleep 600
                """)
            chmod(launcher, 0o755)
            handoff = dir.path + "/controller.json"
            paths = ClusterPaths(stateDir: dir.path + "/state", cluster: "c1")
            let loader = ConfigLoader(environment: ConfigEnvironment(home: dir.path, uid: 1_000))
            let config = try loader.parse("""
                [clusters.c1]
                workdir = "\(dir.path)"
                venv = "\(dir.path)/venv"
                handoff_file = "\(handoff)"
                [clusters.c1.engines]
                mpi_launcher = "\(launcher)"
                """, path: "t.toml")
            var cluster = try #require(config.cluster(named: "c1"))
            cluster.engines.registerWait = registerWait  // below the configuration's minimum: seconds, not minutes
            let renderer = ScriptRenderer(cluster: cluster, paths: paths, daemonPollInterval: daemonPollInterval)
            var values = renderer.placeholders(for: .engine)
            values["poll_interval"] = "1"
            script = try dir.write("engines.sh", try ScriptRenderer.builtInTemplate(.engine).render(values))
            try FileManager.default.createDirectory(atPath: paths.reportDir, withIntermediateDirectories: true)
        }

        /// The handoff: clients on controller job `clients`, engines on `engines` (generations = job numbers).
        func writeHandoff(clients: Int, engines: Int) throws {
            for n in [clients, engines] { _ = try dir.write("e\(n).json", "{}") }
            func part(_ n: Int) -> String {
                #""controller_job": "\#(n).srv", "generation": \#(n), "address": "10.0.0.\#(n)", "# +
                    #""engine_file": "\#(dir.path)/e\#(n).json", "stale": false"#
            }
            let text = "{\(part(clients)), \"engines\": {\(part(engines))}}"
            try text.write(toFile: handoff + ".tmp", atomically: false, encoding: .utf8)
            #expect(rename(handoff + ".tmp", handoff) == 0)
            // Each controller has every engine that follows it registered (its health sidecar's report).
            for n in [clients, engines] {
                _ = try dir.write("state/c1/reports/health-\(n).srv.json",
                                  #"{"job_id": "\#(n).srv", "registered": 1, "engine_ids": [\#(n)], "time": 0}"#)
            }
        }

        /// The pid of the launcher that serves generation `n`, once it started.
        func launcher(_ n: Int) -> pid_t? {
            (try? String(contentsOfFile: dir.path + "/mpirun-g\(n).pid", encoding: .utf8))
                .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }

        /// The engine job's report, once it has one.
        func report() -> [String: Any]? {
            guard let data = FileManager.default.contents(atPath: paths.reportDir + "/engine-7.srv.json") else {
                return nil
            }
            return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        }

        func start() throws -> Process {
            let process = Process()
            // Through python3 (the scripts need it anyway) to start bash with no signal blocked: a process
            // started from a Swift concurrency thread inherits that thread's blocked signals, and the script's
            // SIGTERM handling and its `kill -TERM` of the engines would not work.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", """
                import os, signal, sys
                signal.pthread_sigmask(signal.SIG_SETMASK, [])
                os.execv("/bin/bash", ["bash", sys.argv[1]])
                """, script]
            // Not the allocation this test may run in: its node file or task count would set the engines' -np.
            var environment = ProcessInfo.processInfo.environment.filter {
                !$0.key.hasPrefix("PBS_") && !$0.key.hasPrefix("SLURM_")
            }
            environment["PBS_JOBID"] = "7.srv"
            process.environment = environment
            let log = FileHandle(forWritingAtPath: try dir.write("job.log", "")) ?? .nullDevice
            process.standardOutput = log
            process.standardError = log
            try process.run()
            return process
        }

        /// True once the job reported its engines for `generation` registered.
        func registered(_ generation: Int) -> Bool {
            report()?["generation"] as? Int == generation && report()?["registered"] as? Bool == true
        }

        var log: String { (try? String(contentsOfFile: dir.path + "/job.log", encoding: .utf8)) ?? "" }
    }

    static func alive(_ pid: pid_t?) -> Bool { pid.map { kill($0, 0) == 0 } ?? false }

    /// `condition`, looked at every 0.1 s for up to `seconds`.
    static func until(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
        await Poll.until(seconds, interval: 0.1, condition)
    }

    /// SIGTERM to the job, and its exit status once it ended (nil after 15 s).
    static func stop(_ job: Process) async -> Int32? {
        if job.isRunning { job.terminate() }
        return await until(15) { !job.isRunning } ? job.terminationStatus : nil
    }

    /// A planned move: the new engines registered, but clusterd moves the clients only at a later tick. The old
    /// engines serve the clients until they moved (longer than `register_wait`: with a long poll interval the
    /// clients would otherwise sit on a controller without engines) and stop as soon as they moved.
    @Test(.timeLimit(.minutes(1)))
    func previousEnginesServeClientsUntilTheyMove() async throws {
        let rig = try Rig(registerWait: 1, daemonPollInterval: 10)  // the old engines wait up to 1 + 2 × 10 = 21 s
        try rig.writeHandoff(clients: 1, engines: 1)
        let job = try rig.start()
        defer { if job.isRunning { kill(job.processIdentifier, SIGKILL) } }
        let first = await Self.until(15) { rig.registered(1) }
        try #require(first, "generation 1 never registered: \(rig.log)")
        let old = rig.launcher(1)

        try rig.writeHandoff(clients: 1, engines: 2)  // the engines' part moves first
        let second = await Self.until(15) { rig.registered(2) }
        try #require(second, "generation 2 never registered: \(rig.log)")
        let registered = Date()
        try await Task.sleep(for: .seconds(3))  // past register_wait (1 s): the clients have not moved yet
        #expect(Self.alive(old), "the old engines stopped before the clients moved: \(rig.log)")

        try rig.writeHandoff(clients: 2, engines: 2)
        let moved = Date()
        let stopped = await Self.until(5) { !Self.alive(old) }
        #expect(stopped, "the old engines outlived the clients' move: \(rig.log)")
        // The script looks at the handoff every second; the bound (21 s after registration) is far away.
        #expect(Date().timeIntervalSince(moved) < 4, "stopped late: \(rig.log)")
        #expect(Date().timeIntervalSince(registered) < 15, "stopped by the bound, not by the clients' move")
        #expect(Self.alive(rig.launcher(2)))
        let said = await Self.until(3) { rig.log.contains("stopped the engines of the previous generation") }
        #expect(said, "\(rig.log)")

        #expect(await Self.stop(job) == 143)
        #expect(!Self.alive(rig.launcher(2)), "SIGTERM leaves the engines running")
    }

    /// The new controller dies during the move (clusterd points the engines' part back at the old one): the job
    /// stops the engines it started for the new one and keeps serving the old one with the engines it has.
    @Test(.timeLimit(.minutes(1)))
    func aMoveThatIsCalledOffKeepsThePreviousEngines() async throws {
        let rig = try Rig(registerWait: 1, daemonPollInterval: 10)
        try rig.writeHandoff(clients: 1, engines: 1)
        let job = try rig.start()
        defer { if job.isRunning { kill(job.processIdentifier, SIGKILL) } }
        try #require(await Self.until(15) { rig.registered(1) }, "generation 1 never registered: \(rig.log)")
        let old = rig.launcher(1)
        try rig.writeHandoff(clients: 1, engines: 2)
        try #require(await Self.until(15) { rig.registered(2) }, "generation 2 never registered: \(rig.log)")
        let new = rig.launcher(2)

        try rig.writeHandoff(clients: 1, engines: 1)
        let stopped = await Self.until(5) { !Self.alive(new) }
        #expect(stopped, "the engines of the called-off move still run: \(rig.log)")
        #expect(Self.alive(old), "the engines the clients use were stopped: \(rig.log)")
        #expect(rig.log.contains("generation 2: the handoff moved on before the clients did"), "\(rig.log)")
        // Back on generation 1 for good: nothing is started again for it.
        try await Task.sleep(for: .seconds(2))
        #expect(Self.alive(old) && rig.launcher(1) == old, "\(rig.log)")
        #expect(await Self.stop(job) == 143)
    }

    /// The daemon is gone during a move: the clients never move, and the old engines stop after
    /// register_wait + 2 poll intervals (they share the allocation's cores with the new ones).
    @Test(.timeLimit(.minutes(1)))
    func previousEnginesStopAfterTheBoundWhenClientsNeverMove() async throws {
        let rig = try Rig(registerWait: 1, daemonPollInterval: 1)  // 1 + 2 × 1 = 3 s
        try rig.writeHandoff(clients: 1, engines: 1)
        let job = try rig.start()
        defer { if job.isRunning { kill(job.processIdentifier, SIGKILL) } }
        try #require(await Self.until(15) { rig.report()?["generation"] as? Int == 1 }, "no generation 1: \(rig.log)")
        try #require(await Self.until(5) { Self.alive(rig.launcher(1)) })
        let old = rig.launcher(1)
        try rig.writeHandoff(clients: 1, engines: 2)
        let registered = await Self.until(15) { rig.registered(2) }
        try #require(registered, "generation 2 never registered: \(rig.log)")
        let since = Date()
        #expect(await Self.until(10) { !Self.alive(old) }, "the old engines never stopped: \(rig.log)")
        let waited = Date().timeIntervalSince(since)
        // Whole seconds in bash (SECONDS), 0.1 s polls here: 2–3 s measured for a bound of 3 s.
        #expect(waited >= 1.5 && waited < 6, "stopped \(waited) s after the new engines registered (bound 3 s)")
        #expect(await Self.stop(job) == 143)
    }
}
