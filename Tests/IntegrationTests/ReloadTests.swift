import ClusterAPI
import Foundation
import Glibc
import Testing
import TestSupport

/// Reload tells the truth: one path for SIGHUP and `clusterctl reload`, a verdict for the caller, daemon keys
/// applied, clusters added and removed, and what only a restart applies named.
extension EmulatorSuites {
    @Suite struct ReloadTests {
        let clusterd = EmulatedCluster.productDirectory.appendingPathComponent("clusterd").path
        let clusterctl = EmulatedCluster.productDirectory.appendingPathComponent("clusterctl").path

        func launch(_ cluster: EmulatedCluster) throws -> Process {
            try cluster.launchDaemon(log: cluster.root + "/daemon.log")
        }

        func ctl(_ cluster: EmulatedCluster, _ arguments: [String]) throws -> ProcessOutput {
            try cluster.run(clusterctl, arguments + ["--config", cluster.configPath],
                            extraEnvironment: ["HOME": cluster.root])
        }

        func wait(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
            try EmulatedCluster.wait(seconds, condition)
        }

        func log(_ cluster: EmulatedCluster) -> String {
            (try? String(contentsOfFile: cluster.root + "/daemon.log", encoding: .utf8)) ?? ""
        }

        func edit(_ cluster: EmulatedCluster, _ change: (String) -> String) throws {
            let text = try String(contentsOfFile: cluster.configPath, encoding: .utf8)
            try change(text).write(toFile: cluster.configPath, atomically: true, encoding: .utf8)
        }

        @Test func aRejectedFileFailsTheReloadAndIsRecordedWhileClusterctlKeepsWorking() throws {
            let cluster = try EmulatedCluster(engines: 1, controllerReports: false)
            let daemon = try launch(cluster)
            defer { daemon.terminate(); daemon.waitUntilExit() }
            #expect(try wait(20) { try ctl(cluster, ["status"]).status == 0 })
            try edit(cluster) { $0 + "\n[clusters.t.engines.broken\n" }
            let reload = try ctl(cluster, ["reload"])
            #expect(reload.status != 0, "a rejected file must fail `systemctl --user reload`")
            #expect(reload.stderr.contains("configuration not reloaded"), "\(reload.stderr)")
            #expect(try ctl(cluster, ["status"]).status == 0, "clusterctl still finds the daemon")
            let events = try ctl(cluster, ["events", "--json"])
            #expect(events.stdout.contains("\"reloadRejected\""), "\(events.stdout)")
            // SIGHUP goes the same way: rejected, recorded, the daemon runs on.
            kill(daemon.processIdentifier, SIGHUP)
            #expect(wait(10) { log(cluster).contains("configuration not reloaded (SIGHUP)") }, "\(log(cluster))")
            #expect(daemon.isRunning)
        }

        @Test func daemonKeysApplyClustersComeAndGoAndRestartKeysAreNamed() throws {
            let cluster = try EmulatedCluster(engines: 1, controllerReports: false)
            let daemon = try launch(cluster)
            defer { daemon.terminate(); daemon.waitUntilExit() }
            #expect(try wait(20) { try cluster.stats()["qsub"] == 1 })
            // qstat through a wrapper that counts its calls, a second cluster, another socket.
            let counting = cluster.root + "/counting-qstat"
            try "#!/bin/sh\necho x >> \(cluster.root)/qstat-calls\nexec \(cluster.bin)/qstat \"$@\"\n"
                .write(toFile: counting, atomically: true, encoding: .utf8)
            chmod(counting, 0o755)
            try edit(cluster) { text in
                text.replacingOccurrences(of: "qstat = \"\(cluster.bin)/qstat\"", with: "qstat = \"\(counting)\"")
                    .replacingOccurrences(of: "command_timeout = \"10s\"", with: "command_timeout = \"20s\"")
                    + "\n[clusters.two]\nvenv = \"\(cluster.root)/no-venv\"\n[clusters.two.controller]\n"
                    + "script = \"\(cluster.root)/controller.sh\"\n[clusters.two.engines]\njobs = 0\n"
            }
            let reload = try ctl(cluster, ["reload", "--json"])
            #expect(reload.status == 0, "\(reload.stderr)")
            let answer = try APIJSON.decode(ReloadResponse.self, from: Array(reload.stdout.utf8))
            #expect(answer.clusters == ["t", "two"])
            #expect(answer.changes.contains { $0.hasPrefix("daemon.qstat: ") && $0.hasSuffix(counting) })
            #expect(answer.changes.contains("daemon.command_timeout: 10s → 20s"))
            #expect(answer.changes.contains { $0.hasPrefix("cluster two added") })
            #expect(try wait(10) { FileManager.default.fileExists(atPath: cluster.root + "/qstat-calls") },
                    "the new qstat is in use")
            #expect(try wait(20) { try ctl(cluster, ["status", "two"]).stdout.contains("running") },
                    "the added cluster runs: \(log(cluster))")

            // Removing `two` deletes its jobs, then forgets it; a changed socket is named, not applied.
            try edit(cluster) { text in
                String(text[..<text.range(of: "\n[clusters.two]")!.lowerBound])
                    .replacingOccurrences(of: "socket = \"\(cluster.root)/cd.sock\"",
                                          with: "socket = \"\(cluster.root)/other.sock\"")
            }
            let second = try cluster.run(clusterctl, ["reload", "--json", "--socket", cluster.root + "/cd.sock"],
                                         extraEnvironment: ["HOME": cluster.root])
            #expect(second.status == 0, "\(second.stderr)")
            let removal = try APIJSON.decode(ReloadResponse.self, from: Array(second.stdout.utf8))
            #expect(removal.changes.contains { $0.hasPrefix("cluster two removed") })
            #expect(removal.needsRestart.contains { $0.hasPrefix("daemon.socket: ") })
            let gone = try wait(20) {
                let status = try cluster.run(clusterctl, ["status", "--json", "--socket", cluster.root + "/cd.sock"])
                return status.status == 0 && !status.stdout.contains("\"two\"")
            }
            #expect(gone, "the removed cluster is forgotten once its jobs are gone: \(log(cluster))")
        }
    }
}
