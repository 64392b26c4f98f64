import Glibc
import POSIXSupport

/// Checks and prepares a unix-socket path before binding (Hummingbird removes an existing file unconditionally).
enum SocketPath {
    /// Creates the directory (0700), refuses when a live daemon answers on the path, removes a stale socket.
    /// Answers a warning when the directory is someone else's business and open to others (left as it is).
    static func prepare(_ path: String) throws(ControlServerError) -> String? {
        guard path.utf8.count <= 107 else {
            throw ControlServerError("the socket path \(path) is \(path.utf8.count) bytes; the limit is 107")
        }
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/")
        let warning = directory.isEmpty ? nil : try makePrivateDirectory(directory)
        var info = stat()
        guard lstat(path, &info) == 0 else { return warning }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ControlServerError("\(path) exists and is not a socket; remove it or set daemon.socket elsewhere")
        }
        switch probe(path) {
        case .live:
            throw ControlServerError("another clusterd is already serving \(path); stop it first "
                + "(systemctl --user stop clusterd) or set daemon.socket to another path")
        case .stale:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw ControlServerError("cannot remove the stale socket \(path): \(String(cString: strerror(errno)))")
            }
        case .unusable(let reason):
            throw ControlServerError("cannot check the existing socket \(path): \(reason)")
        }
        return warning
    }

    enum Probe: Equatable {
        case live, stale, unusable(String)
    }

    /// Whether something accepts connections on `path`.
    static func probe(_ path: String) -> Probe {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .unusable(String(cString: strerror(errno))) }
        defer { close(fd) }
        let code = UnixSocket.connect(fd, to: path)
        switch code {
        case 0: return .live
        case ECONNREFUSED, ENOENT: return .stale
        case EAGAIN: return .live  // the backlog is full: someone is listening
        default: return .unusable(String(cString: strerror(code)))
        }
    }

    /// Creates `directory` (and parents) if needed at 0700. An existing one is forced to 0700 only when it is
    /// clusterd's own (named `clusterd`): never chmod a directory such as $HOME behind the user's back.
    private static func makePrivateDirectory(_ directory: String) throws(ControlServerError) -> String? {
        var prefix = directory.hasPrefix("/") ? "" : "."
        var created = false
        for part in directory.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) == 0 {
                created = true
            } else if errno != EEXIST {
                throw ControlServerError("cannot create \(prefix): \(String(cString: strerror(errno)))")
            }
        }
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw ControlServerError("\(directory) is not a directory")
        }
        guard info.st_uid == getuid() else {
            throw ControlServerError("the socket directory \(directory) belongs to uid \(info.st_uid), not to you "
                + "(uid \(getuid())); set daemon.socket to a path in a directory of yours")
        }
        guard info.st_mode & 0o077 != 0 else { return nil }
        guard created || directory.hasSuffix("/clusterd") else {
            return "the socket directory \(directory) is open to other users (mode "
                + String(info.st_mode & 0o777, radix: 8) + "); the socket itself is 0600 and checks the peer's uid"
        }
        if chmod(directory, 0o700) != 0 {
            throw ControlServerError("cannot make \(directory) private (0700): \(String(cString: strerror(errno)))")
        }
        return nil
    }
}
