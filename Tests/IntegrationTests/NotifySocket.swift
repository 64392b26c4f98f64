import Foundation
import Glibc
import Synchronization

/// A bound Unix datagram socket standing in for systemd's `NOTIFY_SOCKET`: a reader thread collects every
/// datagram; tests wait for messages with `next(where:)`.
final class NotifySocket: Sendable {
    let path: String
    private let fd: Int32
    private let received = Mutex<[String]>([])
    private let closed = Atomic<Bool>(false)

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        precondition(bytes.count < MemoryLayout.size(ofValue: address.sun_path), "socket path too long: \(path)")
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    deinit {
        unlink(path)
    }

    /// Stops the reader and closes the socket.
    func close() {
        closed.store(true, ordering: .sequentiallyConsistent)
        usleep(150_000)
        Glibc.close(fd)
        unlink(path)
    }

    /// Every message so far, in arrival order.
    var messages: [String] { received.withLock { $0 } }

    /// Waits until a message at index `from` or later satisfies `match`; returns its index, nil on timeout.
    func next(from: Int = 0, timeout: Duration = .seconds(15), where match: (String) -> Bool) async -> Int? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let all = messages
            if from < all.count, let index = all[from...].firstIndex(where: match) { return index }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closed.load(ordering: .sequentiallyConsistent) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { continue }
            let text = String(decoding: buffer[0..<count], as: UTF8.self)
            received.withLock { $0.append(text) }
        }
    }
}
