import ClusterCLI
import Glibc
import Testing
import TestSupport

/// clusterctl without a reachable daemon: what it says about the socket path and about a broken configuration.
@Suite struct SocketAndConfigTests {
    let dir: TemporaryDirectory

    init() throws {
        dir = try TemporaryDirectory()
    }

    /// The state a rejected reload leaves: the file is invalid, the daemon runs on the old one. clusterctl still
    /// finds the socket, with one warning line.
    @Test func brokenConfigurationStillNamesTheSocket() async throws {
        let config = try dir.write("clusterd.toml", """
            [daemon]
            socket = "\(dir.path)/d.sock"
            [clusters.default.engines]
            jobs = "two"
            """)
        for command in [["status"], ["events"], ["connect"], ["logs", "default", "controller"], ["reload"]] {
            let run = await InProcess.clusterctl(command + ["--config", config])
            #expect(run.status == 3, "\(command): \(run.stderr)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 2, "\(run.stderr)")
            #expect(lines.first?.hasPrefix("clusterctl: warning: \(config) is invalid (1 problem; first: line 4: "
                + "clusters.default.engines.jobs: must be an integer") == true, "\(run.stderr)")
            let expected = "clusterctl: clusterd is not running (no socket at \(dir.path)/d.sock). "
                + "Start it with: systemctl --user start clusterd"
            #expect(lines.last.map(String.init) == expected, "[\(lines.last ?? "")] [\(expected)]")
        }
        // check-config needs the whole file: it lists the problem and exits 1.
        let check = await InProcess.clusterctl(["check-config", "--config", config])
        #expect(check.status == 1)
        #expect(check.stderr.contains("\(config):4: clusters.default.engines.jobs: must be an integer"))
        // --socket skips the file altogether: no warning.
        let direct = await InProcess.clusterctl(["status", "--config", config, "--socket", dir.path + "/d.sock"])
        #expect(direct.status == 3)
        #expect(!direct.stderr.contains("warning"), "\(direct.stderr)")
    }

    @Test func unreadableSocketKeySaysHowToPassIt() async throws {
        let config = try dir.write("clusterd.toml", "[daemon]\nsocket = 5\n")
        let run = await InProcess.clusterctl(["status", "--config", config])
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(config):2: daemon.socket: must be a string, got 5"), "\(run.stderr)")
        #expect(run.stderr.contains("pass --socket PATH"))
    }

    @Test func missingSocketStaleSocketFileAndDirectory() async throws {
        let missing = await InProcess.clusterctl(["status", "--socket", dir.path + "/none.sock"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("clusterd is not running (no socket at \(dir.path)/none.sock)"))

        let stale = dir.path + "/stale.sock"
        try Self.leaveStaleSocket(at: stale)
        let crashed = await InProcess.clusterctl(["status", "--socket", stale])
        #expect(crashed.status == 3)
        #expect(crashed.stderr.contains("clusterd is not running (stale socket at \(stale), left by a crash; it is "
            + "removed at the next start). Start it with: systemctl --user start clusterd"), "\(crashed.stderr)")

        let file = try dir.write("file.sock", "")
        let regular = await InProcess.clusterctl(["status", "--socket", file])
        #expect(regular.status == 1)
        #expect(regular.stderr.contains("\(file) is a regular file, not a socket: check daemon.socket"),
                "\(regular.stderr)")

        let directory = await InProcess.clusterctl(["events", "--socket", dir.path])
        #expect(directory.status == 1)
        #expect(directory.stderr.contains("\(dir.path) is a directory, not a socket: daemon.socket (or --socket) "
            + "must name the socket file in it"), "\(directory.stderr)")
    }

    /// A socket file nobody listens on, as `kill -9` leaves it.
    static func leaveStaleSocket(at path: String) throws {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0, "bind: \(String(cString: strerror(errno)))")
    }
}
