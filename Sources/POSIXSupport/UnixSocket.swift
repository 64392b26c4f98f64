#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unix-domain socket addresses, shared by the daemon's stale-socket probe and the client.
public enum UnixSocket {
    /// The longest path `sockaddr_un` holds (107 bytes on Linux).
    public static let maximumPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Connects `fd` to the socket at `path`: 0 on success, otherwise errno (`ENAMETOOLONG` when the path does
    /// not fit in `sockaddr_un`).
    public static func connect(_ fd: Int32, to path: String) -> Int32 {
        let bytes = Array(path.utf8)
        guard bytes.count <= maximumPathLength else { return ENAMETOOLONG }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #if canImport(Glibc)
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                #else
                Darwin.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                #endif
            }
        }
        return result == 0 ? 0 : errno
    }
}
