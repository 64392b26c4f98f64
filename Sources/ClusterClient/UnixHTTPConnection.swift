import POSIXSupport
import ClusterCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP/1.1 exchange over a unix stream socket, with plain blocking POSIX calls.
///
/// clusterctl makes one request per run: a socket, a write and a read are all it needs, and skipping an event
/// loop keeps its start-up in the low milliseconds.
final class UnixHTTPConnection {
    private let fd: Int32
    /// For messages: where the daemon is, and how long a read may wait.
    private let socketPath: String
    private let timeout: Double?
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEOF = false

    /// Connects to `socketPath`; `timeout` bounds every read and write (nil waits forever, for streams).
    init(socketPath: String, timeout: Double?) throws(ClusterClientError) {
        let length = socketPath.utf8.count
        guard length <= UnixSocket.maximumPathLength else {
            throw .connection(
                "socket path \(socketPath) is \(length) bytes; the limit is \(UnixSocket.maximumPathLength)")
        }
        #if canImport(Glibc)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let fd = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw .connection("socket(): \(Self.errnoText())") }
        let code = UnixSocket.connect(fd, to: socketPath)
        if code != 0 {
            close(fd)
            throw Self.refusal(socketPath, code)
        }
        self.fd = fd
        self.socketPath = socketPath
        self.timeout = timeout
        if let timeout {
            var value = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    deinit { close(fd) }

    /// Why connecting to `path` failed with `code`, told by what is at the path: nothing, a socket nobody
    /// accepts on (a crashed daemon's), or a file of another kind (connect says ECONNREFUSED for all of those).
    private static func refusal(_ path: String, _ code: Int32) -> ClusterClientError {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return .notRunning(socketPath: path, stale: false) }
            return .connection("cannot connect to \(path): \(errnoText(code))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFSOCK where code == ECONNREFUSED: return .notRunning(socketPath: path, stale: true)
        case S_IFSOCK: return .connection("cannot connect to \(path): \(errnoText(code))")
        case S_IFREG: return .notASocket(socketPath: path, kind: "a regular file")
        case S_IFDIR: return .notASocket(socketPath: path, kind: "a directory")
        default: return .notASocket(socketPath: path, kind: "a special file")
        }
    }

    /// Sends one request with `Connection: close`.
    func send(method: String, path: String, body: [UInt8]?) throws(ClusterClientError) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: clusterd\r\nUser-Agent: clusterctl\r\n"
            + "Accept: application/json\r\nConnection: close\r\n"
        if let body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n"
        } else if method != "GET" {
            head += "Content-Length: 0\r\n"
        }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes += body }
        try writeAll(bytes)
    }

    /// Reads the status line and headers (names lowercased).
    func readHead() throws(ClusterClientError) -> (status: Int, headers: [String: String]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw .protocolError("unexpected status line \"\(statusLine)\"")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimming(" \t\r")
            headers[name] = value
        }
        return (status, headers)
    }

    /// Reads the whole body per `headers`, calling `chunk` for each piece as it arrives.
    func readBody(headers: [String: String], chunk: ([UInt8]) throws -> Bool) throws {
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine()
                let hex = sizeLine.split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(hex.trimming(" \t\r"), radix: 16) else {
                    throw ClusterClientError.protocolError("bad chunk size \"\(sizeLine)\"")
                }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    return
                }
                let data = try read(count: size)
                _ = try readLine()
                if try !chunk(data) { return }
            }
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            _ = try chunk(try read(count: length))
        } else {
            _ = try chunk(try readToEOF())
        }
    }

    // MARK: - Buffered reading

    private func fill() throws(ClusterClientError) -> Bool {
        if position > 0 && position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        }
        var scratch = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer += scratch[0..<count]
                return true
            }
            if count == 0 {
                atEOF = true
                return false
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                let seconds = timeout.map { " after \(Int($0)) s" } ?? ""
                throw .connection("timed out\(seconds) waiting for clusterd to answer on \(socketPath); it may be "
                    + "stuck: see journalctl --user -u clusterd")
            }
            throw .connection("cannot read from \(socketPath): \(Self.errnoText())")
        }
    }

    private func readLine() throws(ClusterClientError) -> String {
        while true {
            if let newline = buffer[position...].firstIndex(of: 0x0A) {
                var end = newline
                if end > position && buffer[end - 1] == 0x0D { end -= 1 }
                let line = String(decoding: buffer[position..<end], as: UTF8.self)
                position = newline + 1
                return line
            }
            if try !fill() { throw .protocolError("clusterd closed the connection mid-response") }
        }
    }

    private func read(count: Int) throws(ClusterClientError) -> [UInt8] {
        while buffer.count - position < count {
            if try !fill() { throw .protocolError("clusterd closed the connection mid-response") }
        }
        let data = Array(buffer[position..<position + count])
        position += count
        return data
    }

    private func readToEOF() throws(ClusterClientError) -> [UInt8] {
        while !atEOF { _ = try fill() }
        let data = Array(buffer[position...])
        position = buffer.count
        return data
    }

    private func writeAll(_ bytes: [UInt8]) throws(ClusterClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 {
                if errno == EINTR { continue }
                // The daemon may refuse a request (413) and close before reading all of it: read its answer.
                if errno == EPIPE || errno == ECONNRESET { return }
                throw .connection("cannot write to \(socketPath): \(Self.errnoText())")
            }
            offset += written
        }
    }

    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
