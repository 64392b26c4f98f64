#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to the standard streams, for the command-line tools.
public enum Console {
    /// Writes `text` plus a newline to standard error.
    public static func error(_ text: String) {
        write(text + "\n", fd: 2)
    }

    /// Writes `text` as is to a file descriptor, retrying short writes.
    public static func write(_ text: String, fd: Int32) {
        _ = writeAll(Array(text.utf8), to: fd)
    }

    /// Writes every byte to `fd`, retrying short and interrupted writes; errno's value on failure, else nil.
    public static func writeAll(_ bytes: [UInt8], to fd: Int32) -> Int32? {
        bytes.withUnsafeBytes { writeAll($0, to: fd) }
    }

    /// Writes every byte of `buffer` to `fd`, retrying short and interrupted writes; errno on failure, else nil.
    public static func writeAll(_ buffer: UnsafeRawBufferPointer, to fd: Int32) -> Int32? {
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }
}
