import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A unix datagram socket that stands in for /dev/log: every syslog(3) call of a process run by `SyslogCapture.run`
/// arrives here as one datagram. A thread drains it while the process runs: a unix datagram socket queues only
/// net.unix.max_dgram_qlen (10) datagrams, after which glibc's syslog(3) blocks the sender.
final class SyslogSink: @unchecked Sendable {
    let directory: String
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var stopping = false
    private let done = DispatchSemaphore(value: 0)

    init() throws {
        var template = Array("/tmp/syslog-sink-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        directory = String(cString: dir)
        path = directory + "/log"
        chmod(directory, 0o755)                     // the unprivileged sender needs search permission...
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
            path.utf8CString.withUnsafeBytes { sunPath.copyMemory(from: $0) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        chmod(path, 0o666)                          // ...and write permission on the socket
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        Thread.detachNewThread { [self] in drain() }
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                let text = String(decoding: buffer[..<count], as: UTF8.self)
                lock.withLock { received.append(text) }
            } else if lock.withLock({ stopping }) {
                break
            }
        }
        done.signal()
    }

    /// Stops draining (after the queue is empty) and returns every datagram received.
    func stop() -> [String] {
        lock.withLock { stopping = true }
        done.wait()
        close(fd)
        try? FileManager.default.removeItem(atPath: directory)
        return lock.withLock { received }
    }
}

enum SyslogCapture {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Runs `/bin/sh -c script` in a private mount namespace whose /dev/log is `sink`, then drops to `uid`
    /// (nobody by default) and runs the command at nice 1. Nice 1 makes libdispatch's failure deterministic: its
    /// first worker thread asks for nice 0 (default QoS) and an unprivileged thread may not lower its nice value,
    /// so the message is logged before that thread runs its first job. At nice 0 only the manager thread's
    /// request (nice -4) fails, and a short-lived process may exit before it logs.
    static let script = #"""
        sock=$1; uid=$2; shift 2
        if [ ! -e /dev/log ] && [ ! -L /dev/log ]; then
          # No /dev/log (a container without journald): give this namespace its own /dev with the same entries.
          old=$(mktemp -d); mount --rbind /dev "$old"
          mount -t tmpfs -o mode=755,nosuid tmpfs /dev
          for f in "$old"/* "$old"/.[!.]*; do
            [ -e "$f" ] || [ -L "$f" ] || continue; n=/dev/${f##*/}
            if [ -L "$f" ]; then cp -P "$f" "$n"
            elif [ -d "$f" ]; then mkdir "$n"; mount --rbind "$f" "$n"
            else : > "$n"; mount --bind "$f" "$n"; fi
          done
          umount -l "$old"; rmdir "$old"   # the entries stay mounted; nothing left in /tmp
          : > /dev/log
        fi
        mount --bind "$sock" /dev/log   # follows a /dev/log symlink (journald's /run/systemd/journal/dev-log)
        exec setpriv --reuid="$uid" --regid="$uid" --clear-groups -- nice -n 1 "$@"
        """#

    struct Result { var status: Int32; var stdout: String; var stderr: String; var syslog: [String] }

    /// `executable` must be readable and executable by `uid`: copy it out of a 0700 checkout first (`stage`).
    static func run(_ executable: String, _ arguments: [String], uid: Int = 65534) throws -> Result {
        let sink = try SyslogSink()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-k", "5", "60", "unshare", "--mount", "--propagation", "private", "--",
                             "/bin/sh", "-euc", script, "sh", sink.path, String(uid), executable] + arguments
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self), syslog: sink.stop())
    }

    /// Copies `executable` into a fresh 0755 directory so an unprivileged user can run it (the Swift runtime is
    /// found through the binary's absolute RUNPATH, e.g. /opt/swift/usr/lib/swift/linux or /usr/lib/swift/linux).
    static func stage(_ executable: String) throws -> String {
        var template = Array("/tmp/syslog-bin-XXXXXX".utf8CString)
        guard let dir = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        let directory = String(cString: dir)
        chmod(directory, 0o755)
        let copy = directory + "/" + (executable as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: executable, toPath: copy)
        chmod(copy, 0o755)
        return copy
    }

    static func unstage(_ copy: String) {
        try? FileManager.default.removeItem(atPath: (copy as NSString).deletingLastPathComponent)
    }

    /// Why the capture cannot work here, or nil: it needs root (unshare, mount, setpriv) and an RLIMIT_NICE that
    /// forbids an unprivileged thread to go from nice 1 to 0 (a limit of 20 or more would let libdispatch succeed).
    static var unavailableReason: String? {
        guard geteuid() == 0 else { return "not root" }
        for tool in ["/usr/bin/unshare", "/usr/bin/setpriv", "/usr/bin/nice", "/usr/bin/timeout"]
        where !FileManager.default.isExecutableFile(atPath: tool) { return "\(tool) missing" }
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(__RLIMIT_NICE.rawValue), &limit)  // RLIMIT_NICE is a macro Swift does not import
        guard limit.rlim_cur < 20 else { return "RLIMIT_NICE is \(limit.rlim_cur): libdispatch would not fail" }
        return nil
    }
}
