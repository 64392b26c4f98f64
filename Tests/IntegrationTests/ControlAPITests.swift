import ClusterConfiguration
import ClusterAPI
@testable import ClusterClient
import ClusterCore
import ClusterDaemon
import Foundation
import Glibc
import Logging
import Testing
import TestSupport

/// The control API and clusterctl against a live supervisor on pbs-emu. Serialized: the emulated clusters share
/// PBS_EMU_HOME through the process environment.
extension EmulatorSuites {
    @Suite struct ControlAPITests {
        /// A notebook job that reports like the built-in template (host, address, port as a number) and prints
        /// Jupyter's token URL: connect shows the URL, the ssh tunnel and the local URL to open.
        @Test func connectShowsTheRunningNotebook() async throws {
            let notebook = """
                #!/bin/bash
                JOBID="${PBS_JOBID:-unknown}"
                mkdir -p {{report_dir}}
                printf '{"job_id": "%s", "host": "node7", "address": "127.0.0.1", "port": {{port}}}\\n' "$JOBID" \\
                    > {{report_dir}}/notebook-$JOBID.json
                echo "    http://127.0.0.1:{{port}}/tree?token=abc123"
                exec sleep 600
                """
            let harness = try await ControlHarness.start(notebook: notebook)
            let status = try await harness.cluster.tick(harness.supervisor) {
                $0.handoff != nil && $0.jobs(.notebook).count == 1
            }
            let job = try #require(status.jobs(.notebook).first?.jobID)
            var connect = try await harness.ctl(["connect", "t"])
            for _ in 0..<20 where !connect.stdout.contains("token=") {
                try await Task.sleep(for: .milliseconds(200))
                connect = try await harness.ctl(["connect", "t"])
            }
            #expect(connect.status == 0, "\(connect.stderr)")
            #expect(connect.stdout.contains("notebook   job \(job) on node7, 127.0.0.1:8899"), "\(connect.stdout)")
            #expect(connect.stdout.contains("  url      http://127.0.0.1:8899/tree?token=abc123"))
            #expect(connect.stdout.contains("  tunnel   run on your laptop: ssh -N -L 8899:127.0.0.1:8899 "))
            #expect(connect.stdout.contains("  then     open http://localhost:8899/tree?token=abc123"))
            let json = try await harness.ctl(["connect", "t", "--json"])
            #expect(json.stdout.contains("\"sshTunnel\""), "\(json.stdout)")
            #expect(json.stdout.contains("\"port\" : 8899") || json.stdout.contains("\"port\":8899"))
            await harness.stop()
        }

        @Test func everyCommandWithTextAndJSON() async throws {
            let harness = try await ControlHarness.start(engines: 1)
            _ = try await harness.cluster.tick(harness.supervisor) { $0.handoff != nil && $0.jobs(.engine).count == 1 }

            // status: a table with every role, and the same data as JSON.
            let table = try await harness.ctl(["status"])
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout.contains("ROLE"))
            #expect(table.stdout.contains("controller") && table.stdout.contains("engine"))
            let list = try await harness.json(ClusterList.self, ["status"])
            let detail = try #require(list.clusters.first)
            let controller = try #require(detail.status.roles.first { $0.role == .controller }?.jobs.first)
            let controllerID = try #require(controller.jobID)
            #expect(controller.state == "running")
            #expect(table.stdout.contains(controllerID))
            #expect(detail.handoff?.controllerJob == controllerID)
            #expect(try await harness.json(ClusterDetail.self, ["status", "t"]).name == "t")

            // logs: pbs-emu writes a job's output file while it runs (many real sites copy it at the end).
            let line = "controller \(controllerID) reported 127.0.0.1"
            let logs = try await harness.ctl(["logs", "t", "controller"])
            #expect(logs.status == 0 && logs.stdout.contains(line), "\(logs.stdout) \(logs.stderr)")
            // -f follows the file (tail -F) until a signal stops it: here timeout's SIGTERM, after the line was
            // printed. (tail once inherited the blocked signals of a Swift concurrency thread: no Ctrl-C, no TERM.)
            let follow = try await TestProcess.runOffPool(
                EmulatedCluster.productDirectory.appendingPathComponent("clusterctl").path,
                ["logs", "t", "controller", "-f", "--socket", harness.socketPath],
                environment: harness.cluster.environment, timeout: 3)
            #expect(follow.status == 124, "still following when the timeout hit: \(follow.stderr)")
            #expect(follow.stdout.contains(line), "\(follow.stdout)")

            // scale, stop/start one role, restart, reset: each takes effect at once, no tick needed.
            let scaled = try await harness.json(ClusterDetail.self, ["scale", "t", "2"])
            #expect(scaled.status.roles.first { $0.role == .engine }?.wantedJobs == 2)
            let stopped = try await harness.json(ClusterDetail.self, ["stop", "t", "--role", "engines"])
            #expect(stopped.status.roles.first { $0.role == .engine }?.desired == .stopped)
            let started = try await harness.json(ClusterDetail.self, ["start", "--role", "engines"])
            #expect(started.status.roles.first { $0.role == .engine }?.desired == .running)
            let restarted = try await harness.json(ClusterDetail.self, ["restart", "t", "--role", "controller"])
            let newController = restarted.status.roles.first { $0.role == .controller }?.jobs
                .first { $0.retiring == nil }
            #expect(newController?.jobID != controllerID)
            let reset = try await harness.ctl(["reset", "t"])
            #expect(reset.status == 0, "\(reset.stderr)")
            #expect(reset.stdout.contains("cluster t"))

            // events, reload, connect, version, metrics.
            let events = try await harness.json([ClusterEvent].self, ["events", "--cluster", "t"])
            let kinds = events.map(\.kind)
            #expect(kinds.contains(.scaled) && kinds.contains(.stopped) && kinds.contains(.restarted))
            #expect(try await harness.ctl(["events", "--since", "1h"]).stdout.contains("scaled"))
            #expect(try await harness.json([ClusterEvent].self, ["events", "--since", "4000000000"]).isEmpty)
            let reload = try await harness.json(ReloadResponse.self, ["reload"])
            #expect(reload.clusters == ["t"])
            #expect(try await harness.ctl(["reload"]).stdout.contains("reloaded"))
            let connect = try await harness.ctl(["connect"])
            #expect(connect.status == 0 && connect.stdout.contains("controller"), "\(connect.stderr)")
            let connectJSON = try await harness.ctl(["connect", "t", "--json"])
            #expect(connectJSON.stdout.contains("\"handoffFile\""))
            let version = try await harness.ctl(["version"])
            #expect(version.stdout.contains("clusterctl \(ClusterdVersion.string)"))
            #expect(version.stdout.contains("clusterd   \(ClusterdVersion.string)"))
            #expect(try await harness.ctl(["version", "--json"]).stdout.contains("\"pid\""))
            let metrics = try harness.client.metrics()
            #expect(metrics.contains("clusterd_jobs{cluster=\"t\",role=\"controller\",state=\"running\"}"))
            #expect(metrics.contains("clusterd_qstat_calls_total"))
            #expect(metrics.contains("clusterd_tick_duration_seconds_count"))

            // Exit codes: 4 for an unknown cluster, 2 for usage, 3 when nothing listens.
            let missing = try await harness.ctl(["status", "nope"])
            #expect(missing.status == 4)
            #expect(missing.stderr.contains("no cluster \"nope\""))
            #expect(try await harness.ctl(["scale", "t", "-1"]).status == 2)
            #expect(try await harness.ctl(["stop", "--role", "workers"]).status == 2)
            let dead = try harness.cluster.run(
                EmulatedCluster.productDirectory.appendingPathComponent("clusterctl").path,
                ["status", "--socket", harness.cluster.root + "/none.sock"])
            #expect(dead.status == 3)
            #expect(dead.stderr.contains("clusterd is not running (no socket at \(harness.cluster.root)/none.sock). "
                + "Start it with: systemctl --user start clusterd"))
            await harness.stop()
        }

        @Test func badRequestsGetJSONErrors() async throws {
            let harness = try await ControlHarness.start(engines: 0)
            let client = harness.client
            func error(_ answer: (status: Int, body: [UInt8])) throws -> String {
                try APIJSON.decode(APIErrorBody.self, from: answer.body).error.code
            }
            var answer = try client.raw("POST", "/v1/clusters/t/scale", body: Array("{\"engines\": ".utf8))
            #expect(answer.status == 400)
            #expect(try error(answer) == "bad_request")
            answer = try client.raw("POST", "/v1/clusters/t/scale", body: Array("{\"engines\": \"two\"}".utf8))
            #expect(answer.status == 400)
            answer = try client.raw("POST", "/v1/clusters/t/scale", body: Array("{\"engines\": -1}".utf8))
            #expect(answer.status == 400)
            answer = try client.raw("POST", "/v1/clusters/t/start", body: [UInt8](repeating: 0x20, count: 1 << 20 + 1))
            #expect(answer.status == 413)
            #expect(try error(answer) == "payload_too_large")
            answer = try client.raw("GET", "/v1/nothing", body: nil)
            #expect(answer.status == 404)
            #expect(try error(answer) == "not_found")
            answer = try client.raw("GET", "/v1/clusters/nope", body: nil)
            #expect(answer.status == 404)
            #expect(try error(answer) == "cluster_not_found")
            answer = try client.raw("DELETE", "/v1/status", body: nil)
            #expect(answer.status == 405)
            #expect(try error(answer) == "method_not_allowed")
            answer = try client.raw("GET", "/v1/clusters/t/scale", body: nil)
            #expect(answer.status == 405)
            answer = try client.raw("POST", "/v1/clusters/t/start", body: Array("{\"role\": \"notebook\"}".utf8))
            #expect(answer.status == 409, "the cluster has no notebook")

            // A browser-style request with an Origin header.
            let origin = try RawSocket(harness.socketPath)
            origin.send(
                "GET /v1/health HTTP/1.1\r\nHost: x\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n")
            let refused = origin.readAll()
            origin.close()
            #expect(refused.hasPrefix("HTTP/1.1 403"))
            #expect(refused.contains("origin_refused"))

            // A slow client that never finishes its request head is dropped after the idle timeout (1 s here).
            let slow = try RawSocket(harness.socketPath)
            slow.send("GET /v1/health HTTP/1.1\r\nHost:")
            let began = ContinuousClock.now
            let rest = slow.readAll()
            slow.close()
            #expect(rest.isEmpty || !rest.contains("\"ok\""))
            #expect(ContinuousClock.now - began < .seconds(8))

            // Still serving.
            #expect(try client.health().status == "ok")
            await harness.stop()
        }

        @Test func twoHundredConcurrentStatusRequests() async throws {
            let harness = try await ControlHarness.start(engines: 0)
            let path = harness.socketPath
            // Open all 200 connections first, then send, then read: the server holds them at the same time.
            var connections: [UnixHTTPConnection] = []
            for _ in 0..<200 { connections.append(try UnixHTTPConnection(socketPath: path, timeout: 20)) }
            for connection in connections { try connection.send(method: "GET", path: APIPaths.status, body: nil) }
            var ok = 0
            for connection in connections {
                let (status, headers) = try connection.readHead()
                var body: [UInt8] = []
                try connection.readBody(headers: headers) { body += $0; return true }
                if status == 200, (try? APIJSON.decode(DaemonStatus.self, from: body))?.clusters == ["t"] { ok += 1 }
            }
            #expect(ok == 200)
            #expect(try harness.client.health().status == "ok")
            await harness.stop()
        }

        @Test func otherUIDIsRefused() async throws {
            guard getuid() == 0 else {
                print("skipped: creating a second user needs root (useradd, runuser)")
                return
            }
            let harness = try await ControlHarness.start(engines: 0)
            let user = "cdtest\(getpid() % 100_000)"
            _ = try harness.cluster.run("/usr/sbin/useradd", ["--no-create-home", "--shell", "/bin/false", user])
            defer { _ = try? harness.cluster.run("/usr/sbin/userdel", [user]) }
            // Open the directory and socket modes on purpose: the UID check must hold on its own.
            chmod(harness.cluster.root, 0o755)
            chmod(harness.socketPath, 0o666)
            let ctl = EmulatedCluster.productDirectory.appendingPathComponent("clusterctl").path
            let run = try harness.cluster.run("/usr/sbin/runuser", ["-u", user, "--", ctl, "status", "--socket",
                                                                     harness.socketPath])
            #expect(run.status == 1, "\(run.stdout) \(run.stderr)")
            #expect(run.stderr.contains("only uid 0 may use this socket"), "\(run.stderr)")
            // The daemon's own UID still gets in.
            #expect(try await harness.ctl(["status"]).status == 0)
            await harness.stop()
        }

        @Test func socketModesAndStaleSocket() async throws {
            let harness = try await ControlHarness.start(engines: 0)
            var info = stat()
            #expect(stat(harness.socketPath, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            // A live daemon on the socket: a second server refuses and leaves the socket alone.
            let service = harness.server.service
            await #expect(throws: ControlServerError.self) {
                _ = try await ControlServer.start(socketPath: harness.socketPath, service: service,
                                                  logger: .init(label: "second"))
            }
            #expect(try harness.client.health().status == "ok")
            await harness.stop()
            #expect(access(harness.socketPath, F_OK) != 0, "shutdown removes the socket")
        }

        @Test func secondDaemonRefusesLiveSocketAndTakesOverStaleOne() async throws {
            let cluster = try EmulatedCluster(engines: 0)
            let clusterd = EmulatedCluster.productDirectory.appendingPathComponent("clusterd").path
            // Same socket, another state dir (so the state lock does not answer first).
            let second = cluster.root + "/second.toml"
            try String(contentsOfFile: cluster.configPath, encoding: .utf8)
                .replacingOccurrences(of: "state_dir = \"\(cluster.root)/state\"",
                                      with: "state_dir = \"\(cluster.root)/state2\"")
                .write(toFile: second, atomically: true, encoding: .utf8)
            let socketPath = try cluster.config.daemon.socketPath
            let first = try Self.launch(clusterd, ["run", "--config", cluster.configPath], cluster)
            defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
            try await Self.waitForSocket(socketPath)

            let refused = try cluster.run(clusterd, ["run", "--config", second])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("another clusterd is already serving \(socketPath)"), "\(refused.stderr)")

            // kill -9 leaves a stale socket file: the next daemon removes it and serves.
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            #expect(access(socketPath, F_OK) == 0)
            let next = try Self.launch(clusterd, ["run", "--config", second], cluster)
            defer { if next.isRunning { kill(next.processIdentifier, SIGKILL) } }
            try await Self.waitForSocket(socketPath)
            #expect(try ClusterClient(socketPath: socketPath).daemonStatus().pid == Int(next.processIdentifier))
            kill(next.processIdentifier, SIGTERM)
            next.waitUntilExit()
            #expect(next.terminationStatus == 0)
            #expect(access(socketPath, F_OK) != 0, "a clean stop removes the socket")
        }

        @Test func followReceivesControllerKillAndRestartInOrder() async throws {
            let harness = try await ControlHarness.start(engines: 0)
            let first = try await harness.cluster.tick(harness.supervisor) { !$0.jobs(.controller).isEmpty }
            let killed = try #require(first.jobs(.controller).first?.jobID)
            let output = harness.cluster.root + "/follow.out"
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let follower = Process()
            follower.executableURL = EmulatedCluster.productDirectory.appendingPathComponent("clusterctl")
            follower.arguments = ["events", "-f", "--json", "--cluster", "t", "--since", "4000000000",
                                  "--socket", harness.socketPath]
            follower.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            try follower.run()
            defer { if follower.isRunning { follower.terminate() } }
            // Wait until the follower is subscribed, so no event is missed.
            for _ in 0..<100 where !(try harness.client.metrics().contains("clusterd_event_followers 1")) {
                try await Task.sleep(for: .milliseconds(50))
            }

            try harness.cluster.emu(["kill", killed, "--exit", "1"])
            _ = try await harness.cluster.tick(harness.supervisor) { status in
                status.jobs(.controller).contains { $0.jobID != killed }
            }
            var lines: [ClusterEvent] = []
            for _ in 0..<100 {
                let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
                lines = text.split(separator: "\n").compactMap {
                    try? APIJSON.decode(ClusterEvent.self, from: Array($0.utf8))
                }
                if lines.contains(where: { $0.kind == .submitted }) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let died = try #require(lines.firstIndex { $0.kind == .died && $0.jobID == killed }, "\(lines)")
            #expect(lines[died].exitStatus == 1)
            let submitted = try #require(lines.firstIndex { $0.kind == .submitted && $0.role == .controller },
                                         "\(lines)")
            #expect(died < submitted)
            #expect(lines[submitted].jobID != killed)
            if let restarting = lines.firstIndex(where: { $0.kind == .restarting }) {
                #expect(died < restarting && restarting < submitted)
            }
            await harness.stop()
            follower.waitUntilExit()
            #expect(follower.terminationStatus == 0, "the stream ends cleanly when the daemon stops")
        }

        private static func launch(_ path: String, _ arguments: [String], _ cluster: EmulatedCluster) throws
            -> Process
        {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(cluster.environment) { $1 }
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            return process
        }

        private static func waitForSocket(_ path: String) async throws {
            for _ in 0..<200 {
                if (try? ClusterClient(socketPath: path, timeout: 2).health()) != nil { return }
                try await Task.sleep(for: .milliseconds(50))
            }
            Issue.record("nothing answers on \(path)")
        }
    }
}
