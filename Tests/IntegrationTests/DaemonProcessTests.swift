import ClusterDaemon
import Foundation
import PBSCore
import Testing
import TestSupport

/// The real `clusterd run` process: the state-dir lock, SIGTERM semantics, its threads.
extension EmulatorSuites {
    @Suite struct DaemonProcessTests {
        /// Starts `clusterd run` in the background and waits until it submitted the controller.
        func startDaemon(_ cluster: EmulatedCluster, log: String, submissions: Int = 1) throws -> Process {
            let process = try cluster.launchDaemon(log: log, pollMilliseconds: 500)
            for _ in 0..<200 where (try? cluster.stats()["qsub"]) ?? 0 < submissions { usleep(100_000) }
            return process
        }

        func stop(_ process: Process) {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }

        @Test func secondDaemonIsRefusedNamingTheHolder() throws {
            // The controller never reports an address, so the first daemon submits exactly one job.
            let cluster = try EmulatedCluster(engines: 1, controllerReports: false)
            let first = try startDaemon(cluster, log: cluster.root + "/first.log")
            defer { stop(first) }
            let clusterd = EmulatedCluster.productDirectory.appendingPathComponent("clusterd").path
            let second = try cluster.run(clusterd, ["run", "--config", cluster.configPath],
                                         extraEnvironment: ["HOME": cluster.root])
            #expect(second.status == 1)
            #expect(second.stderr.contains("clusterd.lock is locked by clusterd"), "\(second.stderr)")
            #expect(second.stderr.contains("pid \(first.processIdentifier)"), "\(second.stderr)")
            #expect(try cluster.stats()["qsub"] == 1, "the refused daemon submitted nothing")
        }

        @Test func sigtermLeavesJobsRunningAndTheNextDaemonAdoptsThem() throws {
            let cluster = try EmulatedCluster(engines: 1)
            // Steady: the controller reported, the handoff is written and the engine submitted.
            let first = try startDaemon(cluster, log: cluster.root + "/first.log", submissions: 2)
            #expect(try cluster.stats()["qsub"] == 2)
            first.terminate()
            first.waitUntilExit()
            #expect(first.terminationStatus == 0)
            let listing = try cluster.run(cluster.bin + "/qstat", []).stdout
            #expect(listing.contains("cd-t-controller") || listing.contains("cd-t-ctl"), "\(listing)")
            let submitted = try cluster.stats()["qsub"]
            let second = try startDaemon(cluster, log: cluster.root + "/second.log")
            usleep(1_500_000)
            stop(second)
            #expect(try cluster.stats()["qsub"] == submitted,
                    "the restarted daemon took the jobs over, submitted nothing")
            let log = try String(contentsOfFile: cluster.root + "/second.log", encoding: .utf8)
            #expect(!log.contains("clusterd_event=submitted"), "\(log)")
            #expect(log.contains("PBS dialect openpbs"), "\(log)")
        }

        /// NIO's default group has one thread per core: 128 threads on a big login node. The API gets one.
        /// (On a 1-core machine this cannot tell the two apart; CI has 2 cores.)
        @Test func controlAPIRunsOnOneThreadWhateverTheCoreCount() throws {
            let cluster = try EmulatedCluster(engines: 1, controllerReports: false)
            let daemon = try startDaemon(cluster, log: cluster.root + "/d.log")
            defer { stop(daemon) }
            let tasks = "/proc/\(daemon.processIdentifier)/task"
            let names = try FileManager.default.contentsOfDirectory(atPath: tasks).map {
                try String(contentsOfFile: "\(tasks)/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
            }
            #expect(names.filter { $0.hasPrefix("NIO-") }.count == ControlServer.eventLoopThreads, "\(names)")
        }

        @Test func stopJobsOnSigtermDeletesEverything() throws {
            let cluster = try EmulatedCluster(engines: 1, extraDaemon: "on_sigterm = \"stop-jobs\"")
            let daemon = try startDaemon(cluster, log: cluster.root + "/d.log")
            daemon.terminate()
            daemon.waitUntilExit()
            #expect(try cluster.stats()["qdel"] == 1)
            let listing = try cluster.run(cluster.bin + "/qstat", []).stdout
            #expect(!listing.contains(" R ") && !listing.contains(" Q "), "\(listing)")
        }
    }
}
