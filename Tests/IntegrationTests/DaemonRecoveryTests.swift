import ClusterCore
import ClusterDaemon
import Foundation
import Glibc
import PBSCore
import Testing
import TestSupport

/// Two faults at once against the real `clusterd run` and pbs-emu: a crash plus a PBS outage, a qsub still running
/// when the daemon dies, a second daemon on the same socket.
extension EmulatorSuites {
    @Suite struct DaemonRecoveryTests {
        let clusterd = EmulatedCluster.productDirectory.appendingPathComponent("clusterd").path

        func launch(_ cluster: EmulatedCluster, log: String, config: String? = nil,
                    extra: [String: String] = [:]) throws -> Process {
            try cluster.launchDaemon(log: log, config: config, extraEnvironment: extra)
        }

        func stop(_ process: Process) {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }

        /// The saved state of cluster `t`.
        func state(_ cluster: EmulatedCluster) throws -> ClusterState? {
            try JSONFile<ClusterState>(path: cluster.root + "/state/t/state.json").read()
        }

        func wait(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
            try EmulatedCluster.wait(seconds, condition)
        }

        /// Live jobs by name, from the emulator's own listing.
        func live(_ cluster: EmulatedCluster, named name: String) throws -> [String] {
            try cluster.run(cluster.bin + "/qstat", []).stdout.split(separator: "\n").compactMap { line in
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 5, fields[1].hasPrefix(name), ["Q", "R", "H"].contains(fields[4]) else {
                    return nil
                }
                return String(fields[0])
            }
        }

        /// Defect: a crash right after qsub, then a start while PBS is down. The start-up listing failed, was never
        /// retried, the intent stayed `submitting` forever and the real job ran untracked.
        @Test func aCrashAfterQsubThenAStartDuringAnOutageAdoptsTheJob() throws {
            let cluster = try EmulatedCluster(engines: 0, controllerReports: false)
            let crashing = try launch(cluster, log: cluster.root + "/crash.log",
                                      extra: ["CLUSTERD_TEST_CRASH_POINT": "after-qsub"])
            crashing.waitUntilExit()
            #expect(crashing.terminationReason == .uncaughtSignal && crashing.terminationStatus == SIGKILL)
            #expect(try cluster.stats()["qsub"] == 1)
            #expect(try state(cluster)?.jobs.first?.jobID == nil, "the id never reached the state")

            try cluster.emu(["fault", "server-down", "on"])
            let daemon = try launch(cluster, log: cluster.root + "/restart.log")
            defer { stop(daemon) }
            usleep(3_000_000)
            #expect(try state(cluster)?.jobs.first?.jobID == nil, "nothing to learn while PBS is down")
            try cluster.emu(["fault", "server-down", "off"])
            let adopted = try wait(20) { try state(cluster)?.jobs.first?.jobID != nil }
            let log = (try? String(contentsOfFile: cluster.root + "/restart.log", encoding: .utf8)) ?? ""
            #expect(adopted, "the job from before the crash was never adopted: \(log)")
            #expect(try cluster.stats()["qsub"] == 1, "adopted, not submitted again")
            #expect(try live(cluster, named: "cd-t-").count == 1)
        }

        /// Defect: a qsub still running when the daemon was killed created its job after the new daemon had
        /// adopted: a third engine against two wanted, untracked until the next restart.
        @Test func aQsubThatReturnsAfterTheRestartIsFoundAndTheSurplusDeleted() throws {
            let cluster = try EmulatedCluster(engines: 2, extraDaemon: "adopt_interval = \"10s\"")
            // qsub takes 3 s before it creates the job; a daemon killed meanwhile leaves it running.
            let slowQsub = cluster.root + "/slow-qsub"
            try "#!/bin/sh\nsleep 3\nexec \(cluster.bin)/qsub \"$@\"\n"
                .write(toFile: slowQsub, atomically: true, encoding: .utf8)
            chmod(slowQsub, 0o755)
            let config = try String(contentsOfFile: cluster.configPath, encoding: .utf8)
                .replacingOccurrences(of: "qsub = \"\(cluster.bin)/qsub\"", with: "qsub = \"\(slowQsub)\"")
            try config.write(toFile: cluster.configPath, atomically: true, encoding: .utf8)

            var daemon = try launch(cluster, log: cluster.root + "/first.log")
            #expect(try wait(40) { try live(cluster, named: "cd-t-engine").count == 2 })
            let victim = try #require(try live(cluster, named: "cd-t-engine").first)
            try cluster.emu(["kill", victim, "--exit", "1"])
            // The replacement's qsub is sleeping: kill -9 the daemon now.
            #expect(try wait(10) { try state(cluster)?.jobs.contains { $0.role == .engine && $0.jobID == nil } == true })
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
            daemon = try launch(cluster, log: cluster.root + "/second.log")
            defer { stop(daemon) }
            // Three engines at some point (the late job and the resubmission), two again after a sweep.
            #expect(try wait(20) { try live(cluster, named: "cd-t-engine").count == 3 }, "the late job appears")
            let settled = try wait(30) { try live(cluster, named: "cd-t-engine").count == 2 }
            let log = (try? String(contentsOfFile: cluster.root + "/second.log", encoding: .utf8)) ?? ""
            #expect(settled, "the stray engine was never found: \(log)")
            #expect(log.contains("clusterd_event=adopted"), "\(log)")
            let tracked = try #require(try state(cluster)).jobs.filter { $0.role == .engine && $0.retiring == nil }
            #expect(Set(tracked.compactMap(\.jobID)) == Set(try live(cluster, named: "cd-t-engine")))
        }

        /// Defect: a second daemon with another state_dir but the same socket adopted the first one's jobs and
        /// deleted one before it noticed the socket was taken.
        @Test func aSecondDaemonOnTheSameSocketStopsBeforeAnyPBSCommand() throws {
            let cluster = try EmulatedCluster(engines: 1, controllerReports: false)
            let first = try launch(cluster, log: cluster.root + "/first.log")
            defer { stop(first) }
            #expect(try wait(20) { try cluster.stats()["qsub"] == 1 })
            usleep(1_000_000)
            let other = cluster.root + "/other.toml"
            try String(contentsOfFile: cluster.configPath, encoding: .utf8)
                .replacingOccurrences(of: "state_dir = \"\(cluster.root)/state\"",
                                      with: "state_dir = \"\(cluster.root)/other-state\"")
                .write(toFile: other, atomically: true, encoding: .utf8)
            // Freeze the first daemon's polling so the counts below are the second one's alone.
            kill(first.processIdentifier, SIGSTOP)
            defer { kill(first.processIdentifier, SIGCONT) }
            let before = try cluster.stats()
            let second = try cluster.run(clusterd, ["run", "--config", other],
                                         extraEnvironment: ["HOME": cluster.root])
            #expect(second.status == 1)
            #expect(second.stderr.contains("another clusterd is already serving"), "\(second.stderr)")
            #expect(try cluster.stats() == before, "the second daemon ran no PBS command")
        }
    }
}
