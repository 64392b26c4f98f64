import Foundation
import Synchronization
import Glibc
import Testing

/// The real `clusterd run` binary on pbs-emu, with `NOTIFY_SOCKET` pointing at a socket the test reads.
extension EmulatorSuites {
    @Suite struct ServiceNotifyTests {
        @Test func notifiesReadyStatusWatchdogReloadAndStopping() async throws {
            let cluster = try EmulatedCluster(engines: 2)
            let socket = try NotifySocket(path: cluster.root + "/notify")
            defer { socket.close() }
            let daemon = try DaemonProcess(cluster: cluster, environment: [
                "NOTIFY_SOCKET": socket.path,
                "WATCHDOG_USEC": "1500000",
                "CLUSTERD_TEST_POLL_INTERVAL_MS": "200",
            ])
            defer { daemon.kill() }

            // READY=1 is the first message: after the lock, the dialect, adoption.
            let ready = try #require(await socket.next { $0.contains("READY=1") }, "no READY=1: \(daemon.stderr)")
            #expect(ready == 0, "READY=1 comes first: \(socket.messages)")

            // Each tick: STATUS= and WATCHDOG=1 in one message.
            let running = try #require(await socket.next(from: ready + 1) {
                $0.contains("STATUS=t: controller running") && $0.contains("WATCHDOG=1")
            }, "no STATUS with a running controller: \(socket.messages)")
            let ticks = socket.messages[(ready + 1)...].filter { $0.contains("WATCHDOG=1") }
            #expect(ticks.allSatisfy { $0.contains("STATUS=t: ") && $0.contains("engines running") })
            let line = try #require(socket.messages[running].split(separator: "\n").first { $0.hasPrefix("STATUS=") })
            #expect(line.contains(", qstat ok"), "\(line)")

            // SIGHUP: RELOADING=1 with MONOTONIC_USEC=now, then READY=1 again.
            let before = Self.monotonicMicroseconds()
            let mark = socket.messages.count
            daemon.signal(SIGHUP)
            let reloading = try #require(await socket.next(from: mark) { $0.contains("RELOADING=1") },
                                         "no RELOADING=1: \(socket.messages)")
            let stamp = socket.messages[reloading].split(separator: "\n")
                .first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) }
            let monotonic = try #require(stamp, "no MONOTONIC_USEC: \(socket.messages[reloading])")
            #expect(monotonic >= before && monotonic <= Self.monotonicMicroseconds())
            let readyAgain = try #require(await socket.next(from: reloading + 1) { $0.contains("READY=1") })
            // Ticking goes on after the reload.
            #expect(await socket.next(from: readyAgain + 1, timeout: .seconds(5)) { $0.contains("WATCHDOG=1") } != nil)

            // A hung qstat stalls the loop: the watchdog pings stop (systemd would kill the daemon).
            // Healthy, it pings every ~200 ms; a tick already past its qstat may still finish and ping once more, so
            // look for a silence longer than WATCHDOG_USEC within the 5 s qstat hang.
            try cluster.emu(["fault", "slow", "5s"])
            let stalled = socket.messages.count
            #expect(await Self.silence(of: "WATCHDOG=1", on: socket, for: .seconds(2), within: .seconds(4.5)),
                    "watchdog fed while the tick hangs: \(socket.messages[stalled...])")
            try cluster.emu(["fault", "slow", "off"])

            // SIGTERM: STOPPING=1, and the daemon exits 0 without waiting for the hung qstat.
            daemon.signal(SIGTERM)
            #expect(await socket.next(from: stalled) { $0.contains("STOPPING=1") } != nil, "\(socket.messages)")
            let status = try #require(await daemon.wait(timeout: .seconds(8)), "clusterd did not exit")
            #expect(status == 0, "\(daemon.stderr)")

            // Not on the journal: readable lines on stderr, with the event metadata.
            #expect(daemon.stderr.contains("clusterd_event=submitted"), "\(daemon.stderr)")
        }

        /// True once no message containing `text` arrived for `quiet`, checked until `within` has passed.
        static func silence(of text: String, on socket: NotifySocket, for quiet: Duration, within: Duration) async
            -> Bool {
            let deadline = ContinuousClock.now + within
            var count = socket.messages.filter { $0.contains(text) }.count
            var since = ContinuousClock.now
            while ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(100))
                let now = socket.messages.filter { $0.contains(text) }.count
                if now != count {
                    count = now
                    since = ContinuousClock.now
                } else if ContinuousClock.now - since >= quiet {
                    return true
                }
            }
            return false
        }

        static func monotonicMicroseconds() -> UInt64 {
            var spec = timespec()
            clock_gettime(CLOCK_MONOTONIC, &spec)
            return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1_000
        }
    }
}

/// `clusterd run` started in the background on an emulated cluster's configuration; stderr is collected.
final class DaemonProcess: Sendable {
    private let process: Process
    private let errors = OutputSink()

    init(cluster: EmulatedCluster, arguments: [String] = [], environment: [String: String],
         standardError: FileHandle? = nil) throws {
        let process = Process()
        process.executableURL = EmulatedCluster.productDirectory.appendingPathComponent("clusterd")
        process.arguments = ["run", "--config", cluster.configPath] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(cluster.environment) { $1 }
            .merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        if let standardError {
            process.standardError = standardError
        } else {
            let pipe = Pipe()
            process.standardError = pipe
            let sink = errors
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let chunk = handle.availableData
                if chunk.isEmpty { handle.readabilityHandler = nil } else { sink.append(chunk) }
            }
        }
        try process.run()
        self.process = process
    }

    var pid: Int32 { process.processIdentifier }

    var stderr: String { errors.text }

    func signal(_ number: Int32) {
        Glibc.kill(process.processIdentifier, number)
    }

    /// The exit status, or nil when it still runs after `timeout`.
    func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { return nil }
        try? await Task.sleep(for: .milliseconds(100))  // let the pipe drain
        return process.terminationStatus
    }

    /// SIGKILL if still running (test clean-up).
    func kill() {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// Bytes collected from a pipe by its readability handler.
final class OutputSink: Sendable {
    private let data = Mutex<Data>(Data())

    func append(_ chunk: Data) {
        data.withLock { $0.append(chunk) }
    }

    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}
