import ClusterAPI
import ClusterCore
import ClusterDaemon
import Foundation
import PBSCore
import Testing
import TestSupport

/// The supervisor against a real pbs-emu server with real job processes.
extension EmulatorSuites {
    @Suite struct SupervisorEmulatorTests {
        @Test func bringUpThenControllerKilledIsReplacedAndEnginesFollow() async throws {
            let cluster = try EmulatedCluster()
            let supervisor = try cluster.supervisor()
            var status = try await cluster.tick(supervisor) { $0.handoff != nil && $0.jobs(.engine).count == 2 }
            let first = try #require(status.jobs(.controller).first?.jobID)
            var handoff = try #require(try cluster.handoff())
            #expect(handoff.controllerJob == first)
            #expect(handoff.address == "127.0.0.1")
            #expect(handoff.stale == false)
            let oldEngines = Set(status.jobs(.engine).compactMap(\.jobID))
            #expect(try cluster.stats()["qsub"] == 3)

            // The system kills the controller: a new one and a new handoff; the engine jobs stay and follow the
            // handoff inside their allocations: none deleted, none submitted.
            try cluster.emu(["kill", first, "--exit", "1"])
            status = try await cluster.tick(supervisor) { status in
                status.handoff.map { $0.jobID != first && !$0.stale } == true
            }
            handoff = try #require(try cluster.handoff())
            #expect(handoff.controllerJob != first)
            #expect(handoff.generation == 2)
            #expect(status.jobs(.controller).count == 1)
            #expect(Set(status.jobs(.engine).compactMap(\.jobID)) == oldEngines, "the engine jobs must follow")
            #expect(try cluster.stats()["qsub"] == 4)
            #expect(try cluster.stats()["qdel"] == 0)
        }

        @Test func serverDownMeansNoSubmitsNoDeletesAndStateKept() async throws {
            let cluster = try EmulatedCluster(engines: 1)
            let supervisor = try cluster.supervisor()
            let before = try await cluster.tick(supervisor) { $0.handoff != nil && $0.jobs(.engine).count == 1 }
            let counts = try cluster.stats()
            try cluster.emu(["fault", "server-down", "on"])
            for _ in 0..<20 { await supervisor.tick() }
            let during = try #require(await supervisor.status().first)
            #expect(during.stale)
            #expect(during.jobs(.controller).map(\.jobID) == before.jobs(.controller).map(\.jobID))
            #expect(during.jobs(.engine).map(\.jobID) == before.jobs(.engine).map(\.jobID))
            let after = try cluster.stats()
            #expect(after["qsub"] == counts["qsub"])
            #expect(after["qdel"] == counts["qdel"])
            #expect(after["qstat"] == counts["qstat"]! + 20, "one qstat per tick")
            try cluster.emu(["fault", "server-down", "off"])
            await supervisor.tick()
            let recovered = try #require(await supervisor.status().first)
            #expect(!recovered.stale)
            #expect(recovered.jobs(.engine).map(\.jobID) == before.jobs(.engine).map(\.jobID))
            #expect(try cluster.stats()["qsub"] == counts["qsub"])
        }

        @Test func garbageOutputIsNotDeath() async throws {
            let cluster = try EmulatedCluster(engines: 1)
            let supervisor = try cluster.supervisor()
            _ = try await cluster.tick(supervisor) { $0.handoff != nil && $0.jobs(.engine).count == 1 }
            let counts = try cluster.stats()
            try cluster.emu(["fault", "garbage", "on"])
            for _ in 0..<5 { await supervisor.tick() }
            #expect(try #require(await supervisor.status().first).stale)
            #expect(try cluster.stats()["qsub"] == counts["qsub"])
            #expect(try cluster.stats()["qdel"] == counts["qdel"])
        }

        @Test func crashLoopingControllerBacksOffThenFails() async throws {
            let cluster = try EmulatedCluster(engines: 1)
            try "#!/bin/bash\nexit 7\n".write(toFile: cluster.root + "/controller.sh", atomically: true,
                                                encoding: .utf8)
            let supervisor = try cluster.supervisor()
            let status = try await cluster.tick(supervisor, until: { status in
                status.roles.first { $0.role == .controller }?.hold?.kind == .failed
            }, limit: 60)
            #expect(status.roles.first { $0.role == .controller }?.hold?.kind == .failed)
            let submitted = try cluster.stats()["qsub"] ?? 0
            #expect(submitted == 3, "start_limit_burst = 3 controller submissions, no engines")
            for _ in 0..<5 { await supervisor.tick() }
            #expect(try cluster.stats()["qsub"] == submitted, "failed role submits nothing more")
        }

        /// A controller job that runs but never writes its address report (ipcontroller hung, report dir not
        /// shared): deleted after address_timeout, a failed start each time, then the start limit.
        @Test func silentControllerIsDeletedAfterAddressTimeoutThenFails() async throws {
            let cluster = try EmulatedCluster(engines: 1, controllerReports: false,
                                              controllerExtra: "address_timeout = \"2s\"")
            let supervisor = try cluster.supervisor()
            let status = try await cluster.tick(supervisor, until: { status in
                status.roles.first { $0.role == .controller }?.hold?.kind == .failed
            }, limit: 80)
            let hold = try #require(status.roles.first { $0.role == .controller }?.hold)
            #expect(hold.reason.contains("3 failed starts"), "\(hold.reason)")
            #expect(hold.reason.contains("no address after 2 s"), "\(hold.reason)")
            let stats = try cluster.stats()
            #expect(stats["qsub"] == 3, "start_limit_burst = 3 controllers, no engines without an address")
            #expect(stats["qdel"] == 3, "every silent controller was deleted")
            let log = try String(contentsOfFile: cluster.root + "/state/events.log", encoding: .utf8)
            #expect(log.components(separatedBy: "\"kind\":\"addressTimeout\"").count - 1 == 3, "\(log)")
            let listing = try cluster.run(cluster.bin + "/qstat", []).stdout
            #expect(!listing.contains(" R "), "no silent controller left running: \(listing)")
        }

        /// kill -9 of the real daemon between qsub and recording the job id: the next start adopts the job.
        @Test func crashRightAfterQsubIsAdoptedNotDuplicated() async throws {
            let cluster = try EmulatedCluster(engines: 1)
            let clusterd = EmulatedCluster.productDirectory.appendingPathComponent("clusterd").path
            let crashed = try cluster.run(clusterd, ["run", "--config", cluster.configPath],
                                          extraEnvironment: ["CLUSTERD_TEST_CRASH_POINT": "after-qsub",
                                                             "HOME": cluster.root])
            #expect(crashed.status == 9 || crashed.status == 137, "killed by SIGKILL: \(crashed)")
            #expect(try cluster.stats()["qsub"] == 1)
            let supervisor = try cluster.supervisor()
            let status = try await cluster.tick(supervisor) { $0.handoff != nil && $0.jobs(.engine).count == 1 }
            #expect(status.jobs(.controller).count == 1)
            #expect(status.jobs(.controller).first?.adopted == true)
            #expect(try cluster.stats()["qsub"] == 2, "the orphaned controller was adopted, only the engine is new")
        }
    }
}

/// Walltime renewal and configuration reload against pbs-emu.
extension EmulatorSuites {
    @Suite struct SupervisorLifecycleTests {
        /// A 60 s controller walltime renewed 50 s before the end: a new controller, a new handoff and new engines
        /// while the old controller still runs, and no restart counted.
        @Test func controllerIsRenewedBeforeItsWalltimeEnds() async throws {
            let cluster = try EmulatedCluster(engines: 1, controllerExtra: "walltime = \"60s\"\nrenew_before = \"50s\"")
            let supervisor = try cluster.supervisor()
            let up = try await cluster.tick(supervisor) { $0.handoff != nil && $0.jobs(.engine).count == 1 }
            let first = try #require(up.jobs(.controller).first?.jobID)
            let firstEngine = try #require(up.jobs(.engine).first?.jobID)
            let renewed = try await cluster.tick(supervisor, until: { status in
                status.handoff.map { $0.jobID != first && !$0.stale } == true
            }, limit: 80)
            // The engine job follows the new controller; it is neither deleted nor resubmitted.
            #expect(renewed.jobs(.engine).map(\.jobID) == [firstEngine])
            let controller = try #require(renewed.roles.first { $0.role == .controller })
            #expect(controller.restarts == 0, "a renewal is not a restart")
            #expect(controller.recentFailedStarts == 0)
            #expect(try cluster.handoff()?.generation == 2)
            let events = await supervisor.recentEvents()
            #expect(events.contains { $0.kind == .renewing && $0.jobID == first })
            #expect(!events.contains { $0.kind == .died && $0.jobID == first })
        }

        /// SIGHUP's path: a reloaded configuration with more engines submits only the missing engine.
        @Test func reloadAppliesTheEngineCountWithoutTouchingRunningJobs() async throws {
            let cluster = try EmulatedCluster(engines: 1)
            let supervisor = try cluster.supervisor()
            let before = try await cluster.tick(supervisor) { $0.handoff != nil && $0.jobs(.engine).count == 1 }
            let counts = try cluster.stats()
            try cluster.setEngines(3)
            _ = await supervisor.apply(try cluster.config)
            let after = try await cluster.tick(supervisor) { $0.jobs(.engine).count == 3 }
            #expect(after.jobs(.controller).map(\.jobID) == before.jobs(.controller).map(\.jobID))
            let kept = Set(before.jobs(.engine).compactMap(\.jobID))
            #expect(kept.isSubset(of: Set(after.jobs(.engine).compactMap(\.jobID))))
            #expect(try cluster.stats()["qsub"] == counts["qsub"]! + 2)
            #expect(try cluster.stats()["qdel"] == counts["qdel"])
        }
    }
}
