import Glibc
import POSIXSupport

extension ConfigLoader {
    /// Reads and validates the file at `path`.
    public func load(path: String) throws(ConfigError) -> ClusterdConfig {
        try parse(try Self.text(of: path), path: path)
    }

    /// The file's text, or a `ConfigError` saying why it cannot be read.
    static func text(of path: String) throws(ConfigError) -> String {
        func unreadable(_ reason: String) -> ConfigError {
            ConfigError(problems: [ConfigProblem(file: path, line: nil, key: "", message: reason)])
        }
        let bytes: [UInt8]?
        do {
            bytes = try FileIO.read(path)
        } catch {
            throw unreadable("cannot read the file (\(error.reason))")
        }
        guard let bytes else {
            throw unreadable("no such file; create it (see config/clusterd.example.toml) or pass --config PATH")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw unreadable("the file is not UTF-8 text")
        }
        return text
    }
}

extension ConfigEnvironment {
    /// The environment of this process.
    public static var current: ConfigEnvironment {
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return ConfigEnvironment(
            home: variable("HOME").flatMap { $0.isEmpty ? nil : $0 } ?? passwordHome() ?? "/",
            uid: getuid(),
            xdgConfigHome: variable("XDG_CONFIG_HOME"),
            xdgStateHome: variable("XDG_STATE_HOME"),
            xdgRuntimeDir: variable("XDG_RUNTIME_DIR")
        )
    }

    /// The home directory in the password database, for a service started without HOME.
    private static func passwordHome() -> String? {
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }
}
