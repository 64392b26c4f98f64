import ClusterCore
import Glibc

/// Writes files so that a reader sees the old content or the new, never half of one.
///
/// Temp file in the same directory, write, fsync, rename over the target, fsync the directory. Open OnDemand's
/// non-atomic connection.yml is the counter-example.
public enum AtomicFile {
    /// A write that failed: which path, which step, and errno's text.
    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var step: String
        public var code: Int32

        public var description: String {
            "cannot write \(path): \(step) failed: \(String(cString: strerror(code)))"
        }
    }

    /// Replaces `path` with `bytes`, with permission `mode`, creating parent directories (0700) as needed.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(WriteError) {
        let directory = parent(of: path)
        try makeDirectories(directory)
        let temp = "\(directory)/.\(basename(of: path)).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw WriteError(path: temp, step: "open", code: errno) }
        var failure = Console.writeAll(bytes, to: fd).map { WriteError(path: temp, step: "write", code: $0) }
        if failure == nil, fchmod(fd, mode) != 0 { failure = WriteError(path: temp, step: "chmod", code: errno) }
        if failure == nil, fsync(fd) != 0 { failure = WriteError(path: temp, step: "fsync", code: errno) }
        close(fd)
        if let failure {
            unlink(temp)
            throw failure
        }
        guard rename(temp, path) == 0 else {
            let code = errno
            unlink(temp)
            throw WriteError(path: path, step: "rename", code: code)
        }
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            defer { close(dirFD) }
            guard fsync(dirFD) == 0 else { throw WriteError(path: directory, step: "fsync directory", code: errno) }
        }
    }

    /// Writes UTF-8 text.
    public static func write(_ text: String, to path: String, mode: mode_t = 0o600) throws(WriteError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// The whole file, or nil when it does not exist.
    public static func read(_ path: String) throws(WriteError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw WriteError(path: path, step: "open for reading", code: errno)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw WriteError(path: path, step: "read", code: errno)
            }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    /// Creates `path` and its parents with mode 0700 (existing directories are left as they are).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(WriteError) {
        if path.isEmpty || path == "/" { return }
        var info = stat()
        if stat(path, &info) == 0 { return }
        try makeDirectories(parent(of: path), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw WriteError(path: path, step: "mkdir", code: errno)
        }
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
