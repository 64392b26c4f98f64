import Foundation
import Glibc
import Testing
import TestSupport

/// The real daemon with its stderr on a real systemd-journald's stdout stream (as systemd starts services):
/// it must switch to native entries with uppercase CLUSTERD_* fields and print nothing on the stream.
///
/// journald runs in a private mount namespace with a tmpfs over /run (`unshare -m`), so the test owns its
/// /run/systemd/journal and /run/log/journal and leaves nothing behind. Needs root, unshare and the `systemd`
/// package (scripts/install-deps.sh installs it); skipped with the reason otherwise.
@Suite struct JournaldTests {
    static let journald = "/lib/systemd/systemd-journald"

    /// Why the test cannot run here, or nil.
    static let unavailable: String? = {
        if getuid() != 0 { return "needs root (mount namespace and a private journald)" }
        for tool in [journald, "/usr/bin/journalctl", "/usr/bin/systemd-cat", "/usr/bin/unshare"]
            where !FileManager.default.isExecutableFile(atPath: tool) {
            return "\(tool) is missing (install the systemd and util-linux packages)"
        }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        probe.arguments = ["-m", "--propagation", "private", "/bin/sh", "-c", "mount -t tmpfs tmpfs /run"]
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return "cannot run unshare" }
        probe.waitUntilExit()
        return probe.terminationStatus == 0 ? nil : "cannot mount a tmpfs in a private mount namespace"
    }()

    /// Inside the namespace: start journald, run clusterd under systemd-cat with JOURNAL_STREAM set as systemd
    /// sets it, wait until a job runs, stop clusterd, print its journal entries as JSON.
    static let script = #"""
        set -eu
        clusterd=$1; config=$2; events=$3
        mount -t tmpfs -o mode=0755 tmpfs /run
        mkdir -p /run/systemd/journal
        /lib/systemd/systemd-journald >/dev/null 2>&1 &
        journald=$!
        trap 'kill $journald 2>/dev/null; wait $journald 2>/dev/null || true' EXIT
        i=0
        until [ -S /run/systemd/journal/stdout ] && [ -S /run/systemd/journal/socket ]; do
            i=$((i + 1)); [ $i -lt 200 ] || { echo "journald did not start" >&2; exit 97; }; sleep 0.05
        done
        systemd-cat -t clusterd-stderr /bin/sh -c \
            'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$0" run --config "$1"' "$clusterd" "$config" &
        daemon=$!
        i=0
        until grep -q '"kind":"running"' "$events" 2>/dev/null; do
            i=$((i + 1)); [ $i -lt 300 ] || { echo "no job ran" >&2; break; }; sleep 0.05
        done
        kill -TERM $daemon; wait $daemon || true
        journalctl --sync 2>/dev/null || true
        journalctl -o json --no-pager _PID=$daemon
        """#

    @Test(.enabled(if: unavailable == nil, "journald test skipped: \(unavailable ?? "")"))
    func nativeEntriesWithUppercaseFieldsWhenStderrIsTheJournal() async throws {
        let cluster = try EmulatedCluster(engines: 1)
        let clusterd = EmulatedCluster.productDirectory.appendingPathComponent("clusterd").path
        let arguments = ["-m", "--propagation", "private", "/bin/sh", "-c", Self.script, "sh",
                         clusterd, cluster.configPath, cluster.root + "/state/events.log"]
        let environment = ProcessInfo.processInfo.environment.merging(cluster.environment) { $1 }
            .merging(["CLUSTERD_TEST_POLL_INTERVAL_MS": "200"]) { $1 }
        let result = try await TestProcess.runOffPool("/usr/bin/unshare", arguments, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        let entries = result.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        #expect(!entries.isEmpty, "no entries: \(result.stdout) \(result.stderr)")

        // Never both: nothing reached the stderr stream.
        let streamed = entries.filter { $0["_TRANSPORT"] as? String == "stdout" }
        #expect(streamed.isEmpty, "lines on the stderr stream: \(streamed.map { $0["MESSAGE"] ?? "" })")

        let submitted = try #require(entries.first { $0["CLUSTERD_EVENT"] as? String == "submitted" },
                                     "no submitted event: \(entries)")
        #expect(submitted["_TRANSPORT"] as? String == "journal")
        #expect(submitted["SYSLOG_IDENTIFIER"] as? String == "clusterd")
        #expect(submitted["PRIORITY"] as? String == "5")  // notice
        #expect(submitted["CLUSTERD_CLUSTER"] as? String == "t")
        #expect(["controller", "engine"].contains(submitted["CLUSTERD_ROLE"] as? String ?? ""))
        #expect((submitted["CLUSTERD_JOB_ID"] as? String ?? "").hasSuffix(".emu"))
        #expect((submitted["CODE_FILE"] as? String ?? "").hasSuffix("EventLog.swift"))
        #expect(Int(submitted["CODE_LINE"] as? String ?? "") != nil)
        #expect(!(submitted["CODE_FUNC"] as? String ?? "").isEmpty)
        #expect(!(submitted["MESSAGE"] as? String ?? "").isEmpty)
        #expect(entries.contains { $0["CLUSTERD_EVENT"] as? String == "running" })
        // Lowercase names would be dropped by journald; none may be sent.
        #expect(entries.flatMap { $0.keys }.allSatisfy { !$0.hasPrefix("clusterd") })
    }
}
