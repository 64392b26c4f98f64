import ClusterCore
import Glibc
import POSIXSupport

/// The lock in the state dir that keeps a second daemon — on this login node or another one sharing $HOME —
/// from managing the same clusters.
///
/// `flock` on `<state_dir>/clusterd.lock`, whose content names the holder (`host pid`). flock is honoured across
/// NFS clients on current Linux (it is mapped to POSIX locks); the holder line makes the refusal say who.
public final class DaemonLock: Sendable {
    public let path: String
    private let fd: Int32

    /// Another daemon holds the lock.
    public struct Held: Error, CustomStringConvertible {
        public var path: String
        public var holder: String

        public var description: String {
            let who = holder.isEmpty ? "another process" : "clusterd \(holder)"
            return "\(path) is locked by \(who); only one clusterd may manage these clusters. Stop it first "
                + "(systemctl --user stop clusterd on that host), or use another state_dir."
        }
    }

    /// Takes the lock or throws `Held` (or a `FileError` when the file cannot be opened).
    public init(path: String) throws {
        try FileIO.makeDirectories(FileIO.parent(of: path))
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileError(path: path, step: "open lock", code: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? FileIO.read(path)).map { String(decoding: $0, as: UTF8.self) }
            close(fd)
            throw Held(path: path, holder: holder?.trimming("\n ") ?? "")
        }
        let line = "\(HostName.current) pid \(getpid())\n"
        ftruncate(fd, 0)
        _ = line.withCString { pwrite(fd, $0, strlen($0), 0) }
        fsync(fd)
        self.path = path
        self.fd = fd
    }

    deinit {
        ftruncate(fd, 0)
        close(fd)
    }
}

