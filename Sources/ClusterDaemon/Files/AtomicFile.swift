import Glibc
import POSIXSupport

/// Writes files so that a reader sees the old content or the new, never half of one.
///
/// Temp file in the same directory, write, fsync, rename over the target, fsync the directory. Open OnDemand's
/// non-atomic connection.yml is the counter-example.
public enum AtomicFile {
    /// Replaces `path` with `bytes`, with permission `mode`, creating parent directories (0700) as needed.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(FileError) {
        let directory = FileIO.parent(of: path)
        try FileIO.makeDirectories(directory)
        let temp = "\(directory)/.\(FileIO.basename(of: path)).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileError(path: temp, step: "open", code: errno) }
        var failure = Console.writeAll(bytes, to: fd).map { FileError(path: temp, step: "write", code: $0) }
        if failure == nil, fchmod(fd, mode) != 0 { failure = FileError(path: temp, step: "chmod", code: errno) }
        if failure == nil, fsync(fd) != 0 { failure = FileError(path: temp, step: "fsync", code: errno) }
        close(fd)
        if let failure {
            unlink(temp)
            throw failure
        }
        guard rename(temp, path) == 0 else {
            let code = errno
            unlink(temp)
            throw FileError(path: path, step: "rename", code: code)
        }
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            defer { close(dirFD) }
            guard fsync(dirFD) == 0 else { throw FileError(path: directory, step: "fsync directory", code: errno) }
        }
    }

    /// Writes UTF-8 text.
    public static func write(_ text: String, to path: String, mode: mode_t = 0o600) throws(FileError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }
}
