import ClusterAPI
import DaemonTestSupport
@testable import ClusterClient
import ClusterConfiguration
import ClusterDaemon
import Foundation
import Glibc
import Logging
import POSIXSupport
import TestSupport
import Testing

/// Suites that drive an in-process supervisor against pbs-emu run one at a time: each test starts a pbs-emu server
/// and jobs, and on 2 cores running them side by side makes their timing bounds flaky (`.serialized` on a suite
/// does not keep two suites apart; on a common parent it does).
@Suite(.serialized) enum EmulatorSuites {}

/// An emulated cluster with a started supervisor and the control server on the cluster's socket; clusterctl runs
/// as a real process against it. The supervisor ticks only when a test asks.
final class ControlHarness {
    let cluster: EmulatedCluster
    let supervisor: Supervisor
    let server: ControlServer
    let socketPath: String

    private init(cluster: EmulatedCluster, supervisor: Supervisor, server: ControlServer) {
        self.cluster = cluster
        self.supervisor = supervisor
        self.server = server
        self.socketPath = server.socketPath
    }

    static func start(engines: Int = 1, idleTimeout: Duration = .seconds(1), notebook: String? = nil)
        async throws -> ControlHarness
    {
        let cluster = try EmulatedCluster(engines: engines, notebook: notebook)
        let config = try cluster.config
        let logger = cluster.logger(.error)
        let pbs = try cluster.pbsClient()
        let events = EventLog(path: cluster.root + "/state/events.log", logger: logger)
        let supervisor = try Supervisor(
            config: config, environment: SupervisorEnvironment(pbs: pbs, events: events, logger: logger),
            owner: UserName.current)
        await supervisor.tick()
        let reload = ConfigurationReload(
            path: cluster.configPath, environment: ConfigEnvironment(home: cluster.root, uid: getuid()),
            supervisor: supervisor, pbs: pbs, events: events, notifier: RecordingNotifier(), logger: logger)
        let service = await ControlService(supervisor: supervisor, events: events, pbs: pbs, reload: reload,
                                           logger: logger)
        let server = try await ControlServer.start(socketPath: config.daemon.socketPath, service: service,
                                                   logger: logger, idleTimeout: idleTimeout)
        return ControlHarness(cluster: cluster, supervisor: supervisor, server: server)
    }

    func stop() async {
        await server.shutdown()
        await supervisor.stopAll()
    }

    var client: ClusterClient { ClusterClient(socketPath: socketPath, timeout: 10) }

    /// Runs clusterctl with `arguments` plus `--socket`.
    func ctl(_ arguments: [String]) async throws -> ProcessOutput {
        try await cluster.runOffPool(EmulatedCluster.productDirectory.appendingPathComponent("clusterctl").path,
                                     arguments + ["--socket", socketPath])
    }

    /// Decodes clusterctl's JSON output.
    func json<T: Decodable>(_ type: T.Type, _ arguments: [String],
                            sourceLocation: SourceLocation = #_sourceLocation) async throws -> T {
        let run = try await ctl(arguments + ["--json"])
        #expect(run.status == 0, "\(arguments): \(run.stderr)", sourceLocation: sourceLocation)
        return try APIJSON.decode(type, from: Array(run.stdout.utf8))
    }
}

/// A raw connection to a unix socket, for requests no well-behaved client sends.
struct RawSocket {
    let fd: Int32

    init(_ path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let code = UnixSocket.connect(fd, to: path)
        try #require(code == 0, "connect: \(String(cString: strerror(code)))")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) {
        send(Array(text.utf8))
    }

    /// Sends every byte, or stops at the first error (the server may close before it read everything).
    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// What one read returns (the start of an answer that does not end, such as an event stream).
    func readSome() -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
    }

    /// Everything until the peer closes (or the 10 s receive timeout).
    func readAll() -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            data += buffer[0..<count]
        }
        return String(decoding: data, as: UTF8.self)
    }

    func close() { _ = Glibc.close(fd) }
}
