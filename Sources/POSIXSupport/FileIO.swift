import Glibc

/// A file operation that failed: which path, which step, and errno's text.
public struct FileError: Error, CustomStringConvertible {
    public var path: String
    public var step: String
    public var code: Int32
    /// A more precise text than errno's, when there is one.
    public var detail: String?

    public init(path: String, step: String, code: Int32, detail: String? = nil) {
        self.path = path
        self.step = step
        self.code = code
        self.detail = detail
    }

    /// What went wrong in a few words: the detail, else errno's text ("No such file or directory").
    public var reason: String { detail ?? String(cString: strerror(code)) }

    public var description: String { "\(path): \(step) failed: \(reason)" }
}

/// Plain POSIX file access with errno-precise errors (no Foundation: it keeps the daemon small).
public enum FileIO {
    /// The whole file, or nil when it does not exist. Anything but a regular file is refused (EINVAL,
    /// "not a regular file"): opening a FIFO left at a state or report path would block the daemon forever.
    public static func read(_ path: String) throws(FileError) -> [UInt8]? {
        // O_NONBLOCK: open(2) of a FIFO without a writer returns at once instead of waiting for one.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw FileError(path: path, step: "open for reading", code: errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileError(path: path, step: "stat", code: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            let kind = info.st_mode & S_IFMT == S_IFDIR ? EISDIR : EINVAL
            throw FileError(path: path, step: "read", code: kind, detail: kind == EINVAL ? "not a regular file" : nil)
        }
        return try readAll(fd, name: path)
    }

    /// Calls `body` with the whole content of `path`, or of standard input when `path` is nil: a regular file is
    /// mapped (no copy, for qstat captures of hundreds of megabytes), anything else is read into memory.
    public static func withContents<T>(of path: String?, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) throws
        -> T {
        let fd: Int32
        if let path {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw FileError(path: path, step: "open for reading", code: errno) }
        } else {
            fd = STDIN_FILENO
        }
        defer { if path != nil { close(fd) } }
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0,
           let mapped = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0),
           mapped != MAP_FAILED {
            defer { munmap(mapped, Int(info.st_size)) }
            return try body(UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self),
                                                count: Int(info.st_size)))
        }
        let bytes = try readAll(fd, name: path ?? "standard input")
        return try bytes.withUnsafeBufferPointer { try body($0) }
    }

    /// Everything left to read on `fd`; `name` says which file in errors.
    private static func readAll(_ fd: Int32, name: String) throws(FileError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: name, step: "read", code: errno)
            }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    /// Appends `bytes` to `path` in one write, creating the file with `mode` when it is missing.
    public static func append(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(FileError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError(path: path, step: "open for appending", code: errno) }
        defer { close(fd) }
        if let code = Console.writeAll(bytes, to: fd) { throw FileError(path: path, step: "write", code: code) }
    }

    /// The file's size in bytes, or nil when it does not exist.
    public static func size(_ path: String) throws(FileError) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw FileError(path: path, step: "stat", code: errno)
        }
        return Int(info.st_size)
    }

    /// Renames `path` to `target`, replacing it.
    public static func rename(_ path: String, to target: String) throws(FileError) {
        guard Glibc.rename(path, target) == 0 else { throw FileError(path: path, step: "rename", code: errno) }
    }

    /// Removes the file at `path`; a missing file is not an error.
    public static func remove(_ path: String) throws(FileError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw FileError(path: path, step: "remove", code: errno) }
    }

    /// Creates `path` and its parents with mode 0700 (existing directories are left as they are).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws(FileError) {
        if path.isEmpty || path == "/" { return }
        var info = stat()
        if stat(path, &info) == 0 { return }
        try makeDirectories(parent(of: path), mode: mode)
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw FileError(path: path, step: "mkdir", code: errno)
        }
    }

    /// The directory part of `path` ("." for a bare name).
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path`.
    public static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
