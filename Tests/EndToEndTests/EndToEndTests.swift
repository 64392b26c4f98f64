import Foundation
import Testing
import TestSupport

extension EndToEnd {
    /// The real thing: `clusterd run` against Slurm's PBS wrappers with real ipcontroller/ipengine (MPI) jobs and an
    /// ipyparallel client. Slow (a few minutes); run by scripts/test.sh after the fast suite. Serialized: one Slurm.
    @Suite struct SlurmEndToEndTests {
        /// Without Slurm or the venv the scenarios skip (printed reason); under CI=true that is a failure.
        @Test func prerequisitesArePresentInCI() {
            if let missing = EndToEndEnvironment.missing {
                print("EndToEndTests skipped: \(missing)")
                #expect(!EndToEndEnvironment.isCI, "CI=true but the end-to-end tests cannot run: \(missing)")
            }
        }

        /// Engine jobs clusterd has submitted so far (its `submitted` events).
        private func engineSubmitted(_ cluster: SlurmCluster) -> Int {
            cluster.events().filter { $0["kind"] as? String == "submitted" && $0["role"] as? String == "engine" }.count
        }

        /// Brings the cluster up and checks every engine with an MPI task; returns the client's answer.
        private func bringUp(_ cluster: SlurmCluster, record: Bool = false) async throws -> ClientAnswer {
            let start = Date()
            try cluster.startDaemon()
            let answer = try await cluster.client(timeout: 120)
            try #require(answer.ok, "bring-up: \(answer.error ?? "?"); see \(cluster.daemonLog)")
            if record { Timings.record("bring-up", Date().timeIntervalSince(start)) }
            #expect(answer.engines == cluster.engines * 2)
            #expect(try cluster.running(controllers: true).count == 1)
            #expect(try cluster.running(controllers: false).count == cluster.engines)
            return answer
        }

        @Test(.enabled(if: EndToEndEnvironment.available, "needs Slurm + the e2e venv"),
              .timeLimit(.minutes(5)))
        func bringUpThenControllerAndEngineLossAreRepaired() async throws {
            let cluster = try SlurmCluster(name: "ea")
            var answer = try await bringUp(cluster, record: true)
            // MPI: every engine job is one world of 2 ranks.
            #expect(answer.results.map(\.size) == Array(repeating: 2, count: 4))
            #expect(answer.results.map(\.rank).sorted() == [0, 0, 1, 1])
            #expect(try cluster.handoffGeneration() == 1)
            #expect(cluster.daemonLogs().contains("PBS dialect slurm-wrapper (configured"))

            // The controller is killed: a new one within a tick, a new handoff, the same engine jobs follow it
            // (none deleted or resubmitted), client back.
            let oldController = try #require(try cluster.running(controllers: true).first)
            let oldEngines = Set(try cluster.running(controllers: false).map(\.id))
            let engineSubmissions = engineSubmitted(cluster)
            let killed = Date()
            try SlurmCluster.runSync("/usr/bin/qdel", [oldController.id])
            let resubmitted = await Poll.until(20) {
                try cluster.liveJobs().contains { $0.isController && $0.id != oldController.id }
            }
            #expect(resubmitted, "no new controller job within 20 s")
            Timings.record("controller-resubmitted", Date().timeIntervalSince(killed))
            let moved = await Poll.until(60) {
                try cluster.handoffGeneration() == 2 && cluster.handoff()?["stale"] as? Bool == false
            }
            try #require(moved, "handoff did not move to generation 2; see \(cluster.daemonLog)")
            answer = try await cluster.client(timeout: 90)
            try #require(answer.ok, "after controller loss: \(answer.error ?? "?")")
            Timings.record("controller-recovery", Date().timeIntervalSince(killed))
            #expect(answer.controllerJob != oldController.id)
            #expect(answer.engines == 4)
            #expect(try cluster.running(controllers: true).count == 1)
            let engines = try cluster.running(controllers: false)
            #expect(engines.count == 2)
            #expect(Set(engines.map(\.id)) == oldEngines, "the engine jobs must follow, not be replaced")
            #expect(engineSubmitted(cluster) == engineSubmissions, "an engine job was submitted for the new controller")
            #expect(cluster.eventKinds().contains("enginesFollow"))

            // One engine job is killed: replaced, the controller untouched.
            let victim = try #require(engines.first)
            let engineKilled = Date()
            try SlurmCluster.runSync("/usr/bin/qdel", [victim.id])
            let replaced = await Poll.until(60) {
                let now = try cluster.running(controllers: false)
                return now.count == 2 && !now.contains { $0.id == victim.id }
            }
            try #require(replaced, "engine \(victim.id) not replaced; see \(cluster.daemonLog)")
            Timings.record("engine-replaced", Date().timeIntervalSince(engineKilled))
            answer = try await cluster.client(timeout: 90)
            try #require(answer.ok, "after engine loss: \(answer.error ?? "?")")
            Timings.record("engine-recovery", Date().timeIntervalSince(engineKilled))
            #expect(answer.engines == 4)
            #expect(try cluster.handoffGeneration() == 2, "an engine loss must not replace the controller")
            try await cluster.stopDaemon()
        }

        @Test(.enabled(if: EndToEndEnvironment.available, "needs Slurm + the e2e venv"),
              .timeLimit(.minutes(5)))
        func failingQstatFreezesTheClusterThenRecoversWithoutDuplicates() async throws {
            let cluster = try SlurmCluster(name: "eb", dialect: "auto")
            _ = try await bringUp(cluster)
            #expect(cluster.daemonLogs().contains("PBS dialect slurm-wrapper (qstat --version"), "auto detects Slurm")
            let before = try cluster.liveJobs().map(\.id).sorted()

            cluster.touch("qstat-fail")
            let stale = await Poll.until(20) { try cluster.state()["stale"] as? Bool == true }
            #expect(stale, "the cluster did not go stale while qstat fails")
            try await Task.sleep(for: .seconds(5))  // several failing ticks
            #expect(try cluster.liveJobs().map(\.id).sorted() == before, "jobs submitted or deleted while blind")
            cluster.remove("qstat-fail")

            let fresh = await Poll.until(20) { try cluster.state()["stale"] as? Bool == false }
            #expect(fresh, "the cluster did not recover once qstat answered")
            try await Task.sleep(for: .seconds(3))
            #expect(try cluster.liveJobs().map(\.id).sorted() == before, "duplicates after qstat recovered")
            let kinds = cluster.eventKinds()
            #expect(kinds.filter { $0 == "qstatFailed" }.count == 1)
            #expect(kinds.filter { $0 == "qstatRecovered" }.count == 1)
            let answer = try await cluster.client(timeout: 30)
            #expect(answer.ok, "client after qstat recovery: \(answer.error ?? "?")")
            try await cluster.stopDaemon()
        }

        @Test(.enabled(if: EndToEndEnvironment.available, "needs Slurm + the e2e venv"),
              .timeLimit(.minutes(5)))
        func sigtermKeepsJobsRestartAdoptsThemStopJobsClearsTheQueue() async throws {
            let cluster = try SlurmCluster(name: "ec")
            _ = try await bringUp(cluster)
            let before = try cluster.liveJobs().map(\.id).sorted()

            #expect(try await cluster.stopDaemon(SIGTERM) == 0)
            try await Task.sleep(for: .seconds(2))
            #expect(try cluster.liveJobs().map(\.id).sorted() == before, "keep-jobs: jobs must outlive the daemon")

            try cluster.startDaemon()
            try await Task.sleep(for: .seconds(5))  // a start-up and several ticks
            #expect(try cluster.liveJobs().map(\.id).sorted() == before, "the restarted daemon submitted or deleted")
            let restartLog = try String(contentsOfFile: cluster.daemonLog, encoding: .utf8)
            #expect(!restartLog.contains("submitted"), "nothing may be submitted after a restart: \(restartLog)")
            let answer = try await cluster.client(timeout: 30)
            #expect(answer.ok, "client after adoption: \(answer.error ?? "?")")

            // `clusterctl stop` stand-in: SIGTERM with on_sigterm = "stop-jobs" deletes every job.
            try await cluster.stopDaemon(SIGTERM)
            try cluster.writeConfig(dialect: "slurm-wrapper", onSIGTERM: "stop-jobs")
            try cluster.startDaemon()
            try await Task.sleep(for: .seconds(3))
            #expect(try cluster.liveJobs().map(\.id).sorted() == before)
            let stopped = Date()
            try await cluster.stopDaemon(SIGTERM)
            let gone = await Poll.until(20) { try cluster.liveJobs().isEmpty }
            #expect(gone, "jobs left after stop-jobs: \((try? cluster.liveJobs()) ?? [])")
            Timings.record("stop-all", Date().timeIntervalSince(stopped))
        }

        @Test(.enabled(if: EndToEndEnvironment.available, "needs Slurm + the e2e venv"),
              .timeLimit(.minutes(5)))
        func killNineDuringAControllerReplacementLeavesOneControllerAndTheSameEngines() async throws {
            let cluster = try SlurmCluster(name: "ed")
            _ = try await bringUp(cluster)
            let oldController = try #require(try cluster.running(controllers: true).first)
            try SlurmCluster.runSync("/usr/bin/qdel", [oldController.id])
            let engines = Set(try cluster.running(controllers: false).map(\.id))
            // The daemon is in the middle of a replacement: a new controller submitted, engines not moved yet.
            let cycling = await Poll.until(20) {
                try cluster.liveJobs().contains { $0.isController && $0.id != oldController.id }
            }
            try #require(cycling, "no replacement controller submitted")
            #expect(try await cluster.stopDaemon(SIGKILL) != 0)

            try cluster.startDaemon()
            let settled = await Poll.until(90) {
                let controllers = try cluster.running(controllers: true)
                let engines = try cluster.running(controllers: false)
                let pointedAt = try cluster.handoff()?["controller_job"] as? String
                return controllers.count == 1 && engines.count == 2 && pointedAt == controllers[0].id
            }
            let jobs = try cluster.liveJobs()
            try #require(settled, "no stable cluster after restart: \(jobs); see \(cluster.daemonLog)")
            let answer = try await cluster.client(timeout: 90)
            #expect(answer.ok, "client after kill -9: \(answer.error ?? "?")")
            try await Task.sleep(for: .seconds(3))
            let controllers = try cluster.liveJobs().filter(\.isController)
            let following = try cluster.liveJobs().filter(\.isEngine)
            #expect(controllers.count == 1, "controllers: \(controllers)")
            #expect(Set(following.map(\.id)) == engines, "the engine jobs must have followed: \(following)")
            try await cluster.stopDaemon()
        }

        /// A planned renewal on real Slurm (walltime is whole minutes: 2:00, renew_before 1m, so the renewal starts
        /// ~60 s after the controller): engines move first, clients once they are registered with the new controller;
        /// a client that follows the handoff never sees 0 engines answering; no engine job is submitted; the old
        /// controller is deleted.
        @Test(.enabled(if: EndToEndEnvironment.available, "needs Slurm + the e2e venv"),
              .timeLimit(.minutes(4)))
        func controllerRenewalKeepsEnginesAnswering() async throws {
            let cluster = try SlurmCluster(name: "ee", controllerWalltime: "00:02:00", renewBefore: "1m")
            _ = try await bringUp(cluster)
            let probe = try cluster.probe()
            let probing = await Poll.until(60) { probe.samples().contains { $0.answered == 4 } }
            try #require(probing, "the probe never saw 4 engines: \(probe.log)")
            let old = try #require(try cluster.running(controllers: true).first?.id)
            let engines = Set(try cluster.running(controllers: false).map(\.id))
            let engineSubmissions = engineSubmitted(cluster)
            #expect(!cluster.eventKinds().contains("renewing"), "bring-up took so long that the renewal began")

            var new: String?
            let renewed = await Poll.until(150) {
                guard let handoff = try cluster.handoff(), handoff["stale"] as? Bool == false,
                    let current = handoff["controller_job"] as? String, current != old else { return false }
                new = current
                guard try !cluster.liveJobs().contains(where: { $0.id == old }) else { return false }
                return probe.samples().suffix(3).allSatisfy { $0.controllerJob == current && $0.answered == 4 }
            }
            let samples = await probe.stop()
            try #require(renewed, "no completed renewal; probe: \(samples.suffix(5)); see \(cluster.daemonLog)")
            let newController = try #require(new)

            let summary = ProbeSummary(samples, engines: 4)
            let minimum = try #require(summary.minimumAnswered)
            #expect(minimum > 0, "no engine answered in some rounds: \(summary.short(of: 4))")
            #expect(summary.longestGap <= 6, "a probe round blocked \(summary.longestGap) s: \(summary.short(of: 4))")
            Timings.record("slurm controller-renewal: min answering engines (of 4)", Double(minimum), unit: "")
            Timings.record("slurm controller-renewal: longest probe gap", summary.longestGap)
            #expect(Set(try cluster.running(controllers: false).map(\.id)) == engines, "engine jobs changed")
            #expect(engineSubmitted(cluster) == engineSubmissions, "an engine job was submitted for the renewal")
            let kinds = cluster.eventKinds()
            for kind in ["renewing", "enginesMoving", "enginesFollow", "renewed"] {
                #expect(kinds.contains(kind), "no \(kind) event: \(kinds)")
            }
            let answer = try await cluster.client(timeout: 60)
            #expect(answer.ok && answer.controllerJob == newController, "MPI after renewal: \(answer.error ?? "?")")
            try await cluster.stopDaemon()
        }
    }
}
