import Glibc

/// This machine's host name (`gethostname`), for the lock file, the API's version answer and ssh tunnels.
public enum HostName {
    /// The name, or "localhost" when the call fails.
    public static var current: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The user this process runs as, for PBS listings of "my jobs".
public enum UserName {
    /// The login name of the real UID (`getpwuid`), else `$USER`, else the UID as text.
    public static var current: String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        if let user = getenv("USER") { return String(cString: user) }
        return String(getuid())
    }
}
