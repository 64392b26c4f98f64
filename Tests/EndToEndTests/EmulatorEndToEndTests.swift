import Foundation
import Testing
import TestSupport

/// Python that computes on every engine with MPI: each engine job is one world of 2 ranks, so every rank answers
/// (rank, size 2, allreduce of the ranks = 1). `rc` is whichever client the cell or script made.
let mpiComputation = """
    def allreduce_rank():
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
        return comm.Get_rank(), comm.Get_size(), comm.allreduce(comm.Get_rank())
    rc.wait_for_engines(4, timeout=120)
    print(sorted(rc[:].apply_sync(allreduce_rank)))
    """

/// What `mpiComputation` prints for 2 engine jobs of 2 ranks each.
let mpiResult = "[(0, 2, 1), (0, 2, 1), (1, 2, 1), (1, 2, 1)]"

extension EndToEnd {
    /// The engine lifecycle with the real programs on pbs-emu: each controller job runs its own
    /// `ipcontroller --cluster-id`, engine jobs follow the handoff inside their allocations (no engine job is
    /// deleted or resubmitted for a new controller), a health sidecar reports the registered engines, and the
    /// notebook job runs a real Jupyter server. Every test has its own emulator, daemon and temporary directory,
    /// and ends with no process left.
    @Suite struct EmulatorEndToEndTests {
        static let enabled = EndToEndEnvironment.emulatorAvailable

        @Test func prerequisitesArePresentInCI() {
            if let missing = EndToEndEnvironment.emulatorMissing {
                print("EmulatorEndToEndTests skipped: \(missing)")
                #expect(!EndToEndEnvironment.isCI, "CI=true but the pbs-emu end-to-end tests cannot run: \(missing)")
            }
        }

        /// Stops everything and fails the test if a process had to be killed at the end.
        private func finish(_ cluster: EmulatorCluster) async {
            let left = await cluster.shutdown()
            #expect(left.isEmpty, "processes left after the daemon and pbs-emu stopped: \(left)")
        }

        /// The jobs submitted after `lastID` (numbers above it).
        private func submitted(after lastID: Int, _ cluster: EmulatorCluster) async throws -> [EmulatorJob] {
            try await cluster.jobs().filter { number($0.id) > lastID }
        }

        /// The sequence number of a job id (`12.e2e` → 12): pbs-emu numbers submissions in order.
        private func number(_ id: String) -> Int { Int(id.prefix { $0.isNumber }) ?? 0 }

        /// a. A planned renewal (walltime 2:30, renew_before 90s: ~60 s after the controller starts; a 10 s tick
        /// needs the room) moves the engines first and the clients once the engines are registered with the new
        /// controller: a client that follows the handoff never sees 0 engines answering, no engine job is
        /// submitted, the old controller is deleted.
        @Test(.enabled(if: enabled, "needs the e2e venv, Open MPI and the built programs"), .timeLimit(.minutes(4)))
        func controllerRenewalKeepsEnginesAnswering() async throws {
            let name = "renew"
            // The daemon ticks at the real floor of poll_interval (10 s): clients move only at a tick, so a fast
            // tick would hide a gap between the engines leaving the old controller and the clients following.
            let cluster = try EmulatorCluster("renewal", clusters: [
                EmulatedClusterOptions(name: name, controllerWalltime: "00:02:30", renewBefore: "90s"),
            ], tick: 10_000)
            let start = Date()
            try cluster.startDaemon()
            let probe = try cluster.probe(name)
            let up = await Poll.until(120) { probe.samples().contains { $0.answered == 4 } }
            try #require(up, "bring-up: 4 engines never answered the probe; \(probe.log); see \(cluster.daemonLog)")
            Timings.record("controller-renewal: bring-up (4 engines answer)", Date().timeIntervalSince(start))
            let old = try #require(cluster.currentController(name))
            let engines = try await cluster.liveJobs(name).filter(\.isEngine).map(\.id)
            #expect(engines.count == 2)
            let lastID = try await cluster.jobs().map { number($0.id) }.max() ?? 0
            let qsubs = try await cluster.qsubCount()
            #expect(cluster.event(name, "renewing") == nil, "bring-up took so long that the renewal began")

            // Done: the clients' part of the handoff is on the new controller, the old one has ended, and the
            // probe has seen every engine answer through the new controller since.
            var new: String?
            let renewed = await Poll.until(150) {
                guard let current = cluster.currentController(name), current != old else { return false }
                new = current
                guard try await cluster.jobs().first(where: { $0.id == old })?.state == "F" else { return false }
                return probe.samples().suffix(3).allSatisfy { $0.controllerJob == current && $0.answered == 4 }
            }
            let samples = await probe.stop()
            let handoffNow = cluster.handoff(name) ?? [:]
            try #require(renewed, "no completed renewal; handoff \(handoffNow); probe: \(samples.suffix(5))")
            let newController = try #require(new)

            let summary = ProbeSummary(samples, engines: 4)
            let minimum = try #require(summary.minimumAnswered)
            #expect(minimum > 0, "no engine answered in some rounds: \(summary.short(of: 4))")
            #expect(summary.longestGap <= 6, "a probe round blocked \(summary.longestGap) s: \(summary.short(of: 4))")
            #expect(!summary.full(on: newController, engines: 4).isEmpty)
            Timings.record("controller-renewal: min answering engines (of 4)", Double(minimum), unit: "")
            Timings.record("controller-renewal: longest probe gap", summary.longestGap)
            let renewing = try #require(cluster.event(name, "renewing"), "no renewing event")
            let moved = try #require(cluster.events(name).first {
                $0["kind"] as? String == "handoffWritten" && $0["jobID"] as? String == newController
            }, "no handoffWritten for \(newController)")
            let movedAfter = (moved["time"] as? Double ?? 0) - (renewing["time"] as? Double ?? 0)
            Timings.record("controller-renewal: renewing -> clients on the new controller", movedAfter)

            // No engine job was submitted or deleted: only the new controller went through qsub.
            let later = try await submitted(after: lastID, cluster)
            #expect(later.allSatisfy { $0.isController }, "jobs submitted after bring-up: \(later)")
            let qsubsNow = try await cluster.qsubCount()
            #expect(qsubsNow - qsubs == later.count, "a qsub made no job (failed or not ours)")
            let live = try await cluster.liveJobs(name)
            #expect(live.filter(\.isEngine).map(\.id) == engines, "engine jobs changed: \(live)")
            #expect(live.filter(\.isEngine).allSatisfy { $0.state == "R" })
            let oldJob = try await cluster.jobs().first { $0.id == old }
            #expect(oldJob?.substate == 91, "the old controller was not deleted (F/91): \(String(describing: oldJob))")
            #expect(cluster.event(name, "renewed", jobID: old) != nil)
            let kinds = cluster.eventKinds(name)
            #expect(kinds.contains("enginesMoving") && kinds.contains("enginesFollow"), "events: \(kinds)")
            let handoff = try #require(cluster.handoff(name))
            #expect((handoff["engines"] as? [String: Any])?["controller_job"] as? String == newController)

            let answer = try await cluster.client(name, engines: 4, timeout: 60)
            #expect(answer.ok && answer.controllerJob == newController, "MPI after renewal: \(answer.error ?? "?")")
            await finish(cluster)
        }

        /// b. The controller dies while new engine jobs would wait 10 minutes in the queue: the engine jobs that
        /// run follow the replacement, so a client sees every engine again within 2 poll intervals (2 × the
        /// configured 10 s; the engines' own 5 s handoff poll and registration dominate, not the daemon's tick) of
        /// the new controller's report, without one engine qsub. Also what `clusterctl status` says about
        /// registration.
        @Test(.enabled(if: enabled, "needs the e2e venv, Open MPI and the built programs"), .timeLimit(.minutes(4)))
        func controllerLossWhileEngineJobsWouldWaitTenMinutes() async throws {
            let name = "qwait"
            let cluster = try EmulatorCluster("qwait", clusters: [EmulatedClusterOptions(name: name)])
            try cluster.startDaemon()
            let first = try await cluster.client(name, engines: 4)
            try #require(first.ok, "bring-up: \(first.error ?? "?"); see \(cluster.daemonLog)")
            let old = try #require(cluster.currentController(name))
            let engines = try await cluster.liveJobs(name).filter(\.isEngine)
            #expect(engines.count == 2)
            let lastID = try await cluster.jobs().map { number($0.id) }.max() ?? 0
            let qsubs = try await cluster.qsubCount()

            try await cluster.emu("config", "queue-wait", "10m", "--name", "cd-*-engine*")
            // The wait must apply to this cluster's engine jobs, or the test would prove nothing.
            #expect(engines.allSatisfy { fnmatch("cd-*-engine*", $0.name, 0) == 0 }, "names: \(engines)")
            let probe = try cluster.probe(name)
            let probing = await Poll.until(60) { probe.samples().contains { $0.answered == 4 } }
            try #require(probing, "the probe never saw 4 engines: \(probe.log)")

            let killed = Date()
            try await cluster.emu("kill", old, "--exit", "1")
            var new: String?
            let recovered = await Poll.until(120, interval: 0.2) {
                guard let current = cluster.currentController(name), current != old else { return false }
                new = current
                return !probe.samples().filter { $0.controllerJob == current && $0.answered == 4 }.isEmpty
            }
            let samples = await probe.stop()
            try #require(recovered, "no client saw 4 engines on a new controller; probe \(samples.suffix(5))")
            let newController = try #require(new)
            let reported = try #require(cluster.reportTime(name, "controller-\(newController).json"))
            let seen = try #require(ProbeSummary(samples, engines: 4).full(on: newController, engines: 4).first?.at)
            let afterReport = seen - reported
            let bound = 2 * EmulatorCluster.configuredPollInterval
            print("controller loss: new controller \(newController) reported \(reported - killed.timeIntervalSince1970)"
                + " s after the kill; all 4 engines answered \(afterReport) s after its report")
            #expect(afterReport <= bound, "engines answered \(afterReport) s after the new controller reported")
            Timings.record("controller-loss-queue-wait: recovery (kill -> 4 engines answer)",
                           seen - killed.timeIntervalSince1970)
            Timings.record("controller-loss-queue-wait: new controller report -> 4 engines answer", afterReport)

            let later = try await submitted(after: lastID, cluster)
            #expect(later.map(\.id) == [newController], "jobs submitted after the loss: \(later)")
            let qsubsNow = try await cluster.qsubCount()
            #expect(qsubsNow - qsubs == 1, "one qsub (the controller), no engine qsub")
            let live = try await cluster.liveJobs(name)
            #expect(live.filter(\.isEngine).map(\.id) == engines.map(\.id), "engine jobs changed: \(live)")
            let dead = try await cluster.jobs().first { $0.id == old }
            #expect(dead?.exitStatus == 1, "the killed controller: \(String(describing: dead))")
            #expect(cluster.eventKinds(name).contains("enginesFollow"))

            // The health sidecar and status: "engines: 4 of 4 registered with controller <new>".
            let line = "engines: 4 of 4 registered with controller \(newController)"
            var status = ""
            let shown = await Poll.until(30) {
                status = try await cluster.clusterctl("status").stdout
                return status.contains(line)
            }
            #expect(shown, "clusterctl status does not say '\(line)': \(status)")
            #expect(cluster.report(name, "health-\(newController).json")?["registered"] as? Int == 4)
            let json = try await cluster.clusterctl("status", "--json")
            let list = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let clusters = list?["clusters"] as? [[String: Any]] ?? []
            let reported4 = (clusters.first?["status"] as? [String: Any])?["engines"] as? [String: Any]
            #expect(reported4?["registered"] as? Int == 4 && reported4?["controllerJob"] as? String == newController,
                    "status --json engines: \(String(describing: reported4))")

            let answer = try await cluster.client(name, engines: 4, timeout: 60)
            #expect(answer.ok, "MPI after the loss: \(answer.error ?? "?")")
            await finish(cluster)
        }

        /// c. Two clusters on the same ipyparallel profile each compute through their own handoff and client
        /// file; stopping one deletes its connection files only, and the other goes on computing.
        @Test(.enabled(if: enabled, "needs the e2e venv, Open MPI and the built programs"), .timeLimit(.minutes(3)))
        func twoClustersOnOneProfileAreIndependent() async throws {
            let cluster = try EmulatorCluster("two", clusters: [
                EmulatedClusterOptions(name: "default", engines: 1), EmulatedClusterOptions(name: "two", engines: 1),
            ])
            try cluster.startDaemon()
            for name in ["default", "two"] {
                let answer = try await cluster.client(name, engines: 2)
                try #require(answer.ok, "\(name) does not compute: \(answer.error ?? "?"); see \(cluster.daemonLog)")
                #expect(answer.results.map(\.size) == [2, 2])
            }
            func files(_ name: String) throws -> [String] {
                let handoff = try #require(cluster.handoff(name))
                return [try #require(handoff["client_file"] as? String),
                        try #require(handoff["engine_file"] as? String)]
            }
            let mine = try files("default"), theirs = try files("two")
            #expect(Set(mine).isDisjoint(with: theirs), "two clusters share connection files: \(mine) \(theirs)")
            let directory = (mine[0] as NSString).deletingLastPathComponent
            #expect(theirs.allSatisfy { ($0 as NSString).deletingLastPathComponent == directory }, "one profile")
            let before = try await cluster.liveJobs("default")

            let stop = try await cluster.clusterctl("stop", "two")
            #expect(stop.status == 0, "clusterctl stop two: \(stop.stderr)")
            let stopped = await Poll.until(30) { try await cluster.liveJobs("two").isEmpty }
            #expect(stopped, "two's jobs are still there")
            // Its ipcontroller deleted its own files on SIGTERM (proof that the stop reached it), not default's.
            let gone = await Poll.until(10) { theirs.allSatisfy { !FileManager.default.fileExists(atPath: $0) } }
            #expect(gone, "two's connection files are still there")
            #expect(mine.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "default's files were deleted")

            let answer = try await cluster.client("default", engines: 2, timeout: 60)
            #expect(answer.ok, "default after stopping two: \(answer.error ?? "?")")
            #expect(answer.controllerJob == before.first(where: \.isController)?.id, "default's controller changed")
            let after = try await cluster.liveJobs("default")
            #expect(after == before, "default's jobs changed")
            await finish(cluster)
        }

        /// Starts a cluster with a notebook and waits until its engines compute and Jupyter has reported.
        private func notebookCluster(_ tag: String, _ name: String) async throws -> (EmulatorCluster, String) {
            let cluster = try EmulatorCluster(tag, clusters: [
                EmulatedClusterOptions(name: name, notebookPort: EmulatorCluster.freePort()),
            ])
            try cluster.startDaemon()
            let answer = try await cluster.client(name, engines: 4)
            try #require(answer.ok, "bring-up: \(answer.error ?? "?"); see \(cluster.daemonLog)")
            var url: String?
            let reported = await Poll.until(120) {
                let connect = try await cluster.clusterctl("connect", name, "--json")
                let view = try JSONSerialization.jsonObject(with: Data(connect.stdout.utf8)) as? [String: Any]
                url = (view?["notebook"] as? [String: Any])?["url"] as? String
                return url != nil
            }
            try #require(reported, "the notebook never reported its URL; see \(cluster.daemonLog)")
            return (cluster, try #require(url))
        }

        /// d. `clusterctl connect` against a running cluster with a notebook: both Python lines it prints work in
        /// the venv (the following client and a plain ipyparallel client) and compute with MPI; the notebook URL
        /// answers `/api/status` with its token (and refuses without).
        @Test(.enabled(if: enabled, "needs the e2e venv, Open MPI and the built programs"), .timeLimit(.minutes(3)))
        func connectPrintsWorkingPythonAndNotebookURL() async throws {
            let name = "conn"
            let (cluster, url) = try await notebookCluster("connect", name)
            let json = try await cluster.clusterctl("connect", "--json")
            #expect(json.status == 0, "clusterctl connect --json: \(json.stderr)")
            let view = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let lines = view["python"] as? [String] ?? []
            #expect(lines.count == 2, "python lines: \(lines)")
            #expect(lines.first == "import clusterd; rc = clusterd.connect(\"\(name)\")")
            let notebook = try #require(view["notebook"] as? [String: Any])
            let port = try #require(notebook["port"] as? Int)
            #expect(url.hasPrefix("http://127.0.0.1:\(port)/?token="))
            let token = String(url.split(separator: "=").last ?? "")
            #expect(view["localURL"] as? String == "http://localhost:\(port)/?token=\(token)")
            #expect((view["sshTunnel"] as? String)?.hasPrefix("ssh -N -L \(port):127.0.0.1:\(port) ") == true)

            let text = try await cluster.clusterctl("connect")
            #expect(text.status == 0)
            for expected in lines + [url, "ssh -N -L \(port):127.0.0.1:\(port)", "http://localhost:\(port)/"] {
                #expect(text.stdout.contains(expected), "clusterctl connect does not show \(expected): \(text.stdout)")
            }

            for line in lines {
                let output = try await cluster.python(line + "\n" + mpiComputation)
                #expect(output.status == 0 && output.stdout.contains(mpiResult),
                        "\(line) then MPI: \(output.stdout) \(output.stderr)")
            }

            let status = try await cluster.notebook(["status", url], timeout: 30)
            #expect(status.status == 0 && status.stdout.contains("\"http_status\": 200"),
                    "GET /api/status: \(status.stdout) \(status.stderr)")
            let refused = try await cluster.python("""
                import urllib.error, urllib.request
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                try:
                    opener.open("http://127.0.0.1:\(port)/api/status", timeout=10)
                    print("answered")
                except urllib.error.HTTPError as e:
                    print("refused", e.code)
                """, timeout: 30)
            #expect(refused.stdout.contains("refused 403"), "without the token: \(refused.stdout) \(refused.stderr)")
            await finish(cluster)
        }

        /// e. The notebook, for real: through the Jupyter server clusterd started (REST + kernel websocket), a
        /// kernel runs `import clusterd; rc = clusterd.connect()` and an MPI computation; the controller job is
        /// killed; the same cell on the same `rc` computes again on the new controller (the kernel has
        /// CLUSTERD_HANDOFF from the job script).
        @Test(.enabled(if: enabled, "needs the e2e venv, Open MPI and the built programs"), .timeLimit(.minutes(4)))
        func notebookKernelComputesAcrossAControllerLoss() async throws {
            let name = "nbk"
            let (cluster, url) = try await notebookCluster("notebook", name)
            // The generation after the computation: the call is what reconnects.
            let cell = mpiComputation + "\nprint('generation', rc.generation)"
            let setup = "import os, clusterd\nprint(os.environ.get('CLUSTERD_HANDOFF'))\nrc = clusterd.connect()"
            let first = try await cluster.notebook(["run", url, "--timeout", "180", setup, cell])
            let run = try #require(try? JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any],
                                   "e2e_notebook.py run: \(first.stdout) \(first.stderr)")
            let kernel = try #require(run["kernel"] as? String)
            let cells = run["cells"] as? [[String: Any]] ?? []
            try #require(cells.count == 2 && cells.allSatisfy { $0["status"] as? String == "ok" }, "cells: \(cells)")
            #expect((cells[0]["stdout"] as? String)?.contains(cluster.handoffPath(name)) == true,
                    "CLUSTERD_HANDOFF in the kernel: \(cells[0])")
            #expect((cells[1]["stdout"] as? String) == "\(mpiResult)\ngeneration 1\n", "first computation: \(cells[1])")

            let old = try #require(cluster.currentController(name))
            try await cluster.emu("kill", old, "--exit", "1")
            // Run it again once clusterd has noticed (the handoff is stale or names the replacement): the call
            // waits for the replacement and its engines by itself.
            let noticed = await Poll.until(30, interval: 0.2) {
                let handoff = cluster.handoff(name)
                return handoff?["stale"] as? Bool == true || handoff?["controller_job"] as? String != old
            }
            #expect(noticed, "clusterd did not notice the controller loss")
            let again = Date()
            let second = try await cluster.notebook(["run", url, "--kernel", kernel, "--timeout", "180",
                                                     "--shutdown", cell])
            Timings.record("notebook: same cell after the controller loss", Date().timeIntervalSince(again))
            let rerun = try? JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any]
            let result = (rerun?["cells"] as? [[String: Any]])?.first ?? [:]
            #expect(result["status"] as? String == "ok", "the cell after the loss: \(second.stdout) \(second.stderr)")
            #expect((result["stdout"] as? String) == "\(mpiResult)\ngeneration 2\n", "result: \(result)")
            #expect((result["stderr"] as? String)?.contains("controller replaced") == true,
                    "the client did not say it reconnected: \(result)")
            #expect(cluster.currentController(name) != old)
            await finish(cluster)
        }

        /// f. No controller for longer than `engines.controller_wait` (15 s here): the controller is killed and its
        /// replacement waits 60 s in the queue. The engine jobs give their allocations back (exit 3) while it waits;
        /// clusterd counts that as no failure and submits no engine job until the replacement reports; then new
        /// engine jobs come and all engines compute. The emulator reports ended jobs 8 s late, as real OpenPBS does.
        @Test(.enabled(if: enabled, "needs the e2e venv, Open MPI and the built programs"), .timeLimit(.minutes(5)))
        func enginesGiveTheirAllocationsBackWhileNoControllerIsReady() async throws {
            let name = "cwait"
            let cluster = try EmulatorCluster("cwait", clusters: [
                EmulatedClusterOptions(name: name, controllerWait: "15s"),
            ])
            try await cluster.emu("config", "exit-lag", "8s")
            try cluster.startDaemon()
            let first = try await cluster.client(name, engines: 4)
            try #require(first.ok, "bring-up: \(first.error ?? "?"); see \(cluster.daemonLog)")
            let old = try #require(cluster.currentController(name))
            let engines = try await cluster.liveJobs(name).filter(\.isEngine).map(\.id)
            #expect(engines.count == 2)
            let lastID = try await cluster.jobs().map { number($0.id) }.max() ?? 0

            let pattern = "cd-\(name)-c*"
            try await cluster.emu("config", "queue-wait", "60s", "--name", pattern)
            let killed = Date()
            try await cluster.emu("kill", old, "--exit", "1")
            var ended: [EmulatorJob] = []
            let gaveUp = await Poll.until(120) {
                ended = try await cluster.jobs().filter { engines.contains($0.id) && $0.state == "F" }
                return ended.count == engines.count
            }
            try #require(gaveUp, "the engine jobs did not end without a controller; see \(cluster.daemonLog)")
            let waited = Date().timeIntervalSince(killed)
            Timings.record("controller-wait 15s: controller killed -> engine jobs finished (8 s exit lag)", waited)
            #expect(ended.allSatisfy { $0.exitStatus == 3 }, "engine jobs: \(ended)")
            let replacement = try #require(try await submitted(after: lastID, cluster).first(where: \.isController))
            #expect(fnmatch(pattern, replacement.name, 0) == 0, "the queue wait misses \(replacement.name)")
            let queued = try await cluster.jobs().first { $0.id == replacement.id }
            #expect(queued?.state == "Q",
                    "the engines gave up only after the controller ran: \(String(describing: queued))")

            // Seen by clusterd: no failure, and nothing submitted for the engines while no controller can take them.
            let noticed = await Poll.until(30) {
                cluster.events(name).filter {
                    $0["kind"] as? String == "died" && engines.contains($0["jobID"] as? String ?? "")
                        && ($0["message"] as? String ?? "").contains("no controller was ready")
                }.count == engines.count
            }
            #expect(noticed, "events: \(cluster.events(name).suffix(8))")
            let early = try await submitted(after: lastID, cluster)
            #expect(early.map(\.id) == [replacement.id], "submitted while no controller was ready: \(early)")

            let answer = try await cluster.client(name, engines: 4, timeout: 180)
            #expect(answer.ok && answer.controllerJob == replacement.id, "MPI afterwards: \(answer.error ?? "?")")
            let later = try await submitted(after: lastID, cluster)
            #expect(later.filter(\.isEngine).count == engines.count, "jobs submitted after the loss: \(later)")
            #expect(cluster.event(name, "failed") == nil, "a role failed: \(cluster.events(name).suffix(8))")
            let status = try await cluster.clusterctl("status", "--json")
            let list = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            let roles = ((list?["clusters"] as? [[String: Any]])?.first?["status"] as? [String: Any])?["roles"]
            let engineRole = (roles as? [[String: Any]])?.first { $0["role"] as? String == "engine" }
            #expect(engineRole?["restarts"] as? Int == 0 && engineRole?["recentFailedStarts"] as? Int == 0,
                    "the engines' restart policy counted the give-up: \(String(describing: engineRole))")
            await finish(cluster)
        }
    }
}
