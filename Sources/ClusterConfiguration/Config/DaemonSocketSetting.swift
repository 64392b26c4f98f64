import TOMLKit

/// `daemon.socket` as read from a configuration file that may be broken elsewhere.
///
/// A rejected reload leaves an invalid file on disk while the daemon keeps running on the configuration it last
/// read: clients need only the socket to reach it, so they read that key (and what its default depends on)
/// without validating the rest, as systemctl keeps working while a unit file is broken.
public struct DaemonSocketSetting: Sendable, Equatable {
    /// The socket path: `daemon.socket`, or its default from `state_dir` and `XDG_RUNTIME_DIR`.
    public var path: String
    /// One line naming the file's first problem when the rest of the file is invalid; nil for a valid file.
    public var warning: String?

    /// A setting.
    public init(path: String, warning: String?) {
        self.path = path
        self.warning = warning
    }
}

extension ConfigLoader {
    /// Reads the socket path from the file at `path`, whatever else is wrong in it.
    ///
    /// Throws a `ConfigError` only when the file cannot be read at all, or when `daemon.socket` (or, for its
    /// default, `daemon.state_dir`) is present but unusable; the message then says to pass `--socket PATH`.
    public func socketSetting(path: String) throws(ConfigError) -> DaemonSocketSetting {
        let text = try Self.text(of: path)
        let problems: [ConfigProblem]
        do {
            return DaemonSocketSetting(path: try parse(text, path: path).daemon.socketPath, warning: nil)
        } catch {
            problems = error.problems
        }
        let keys = DaemonKeys(text: text)
        func value(_ key: String) throws(ConfigError) -> String? {
            switch keys.string(key) {
            case .absent: return nil
            case .found(let value, _) where SafeText.path.accepts(value): return environment.expandingTilde(value)
            case .found(let value, let line):
                throw Self.unusable(path, line, key, "must be \(SafeText.path.allowed), got "
                    + TableReader.quote(value))
            case .unreadable(let reason, let line): throw Self.unusable(path, line, key, reason)
            }
        }
        let socket: String
        if let configured = try value("socket") {
            socket = configured
        } else {
            // The default lies in the runtime directory when there is one; only without it does state_dir count.
            let stateDir = environment.xdgRuntimeDir == nil ? try value("state_dir") : nil
            socket = environment.defaultSocketPath(stateDir: stateDir ?? environment.defaultStateDir)
        }
        let first = problems.first.map { problem in
            (problem.line.map { "line \($0): " } ?? "") + (problem.key.isEmpty ? "" : problem.key + ": ")
                + String(problem.message.prefix { $0 != "\n" })
        } ?? "invalid"
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return DaemonSocketSetting(
            path: socket,
            warning: "\(path) is invalid (\(count); first: \(first)); a running clusterd keeps the configuration "
                + "it last read. See: clusterctl check-config")
    }

    private static func unusable(_ path: String, _ line: Int?, _ key: String, _ reason: String) -> ConfigError {
        ConfigError(problems: [ConfigProblem(
            file: path, line: line, key: "daemon." + key,
            message: "\(reason); clients need it to find clusterd's socket: fix it, or pass --socket PATH")])
    }
}

/// The string keys of the `[daemon]` table, read from whatever part of the file TOML can still parse.
private struct DaemonKeys {
    enum Lookup {
        case absent
        case found(String, line: Int?)
        case unreadable(String, line: Int?)
    }

    private let table: TOMLTable?
    private let locator: KeyLocator

    init(text: String) {
        table = try? TOMLTable(string: text)
        locator = KeyLocator(text: text)
    }

    /// `daemon.<key>`: from the whole file when it is valid TOML, else from the key's own line alone, so that a
    /// syntax error elsewhere does not hide it.
    func string(_ key: String) -> Lookup {
        let assignment = locator.assignment(of: ["daemon", key])
        let line = assignment?.line
        if let table {
            guard let daemon = table["daemon"] else { return .absent }
            guard let settings = daemon.table else { return .unreadable("[daemon] is not a table", line: line) }
            guard let value = settings[key] else { return .absent }
            return Self.text(value, line: line)
        }
        guard let assignment else { return .absent }
        guard var value: any TOMLValueConvertible = try? TOMLTable(string: assignment.text) else {
            return .unreadable("line \(assignment.line) is not valid TOML", line: line)
        }
        for part in assignment.key {
            guard let next = value.table?[part] else { return .unreadable("cannot be read", line: line) }
            value = next
        }
        return Self.text(value, line: line)
    }

    private static func text(_ value: any TOMLValueConvertible, line: Int?) -> Lookup {
        guard let text = value.string else {
            return .unreadable("must be a string, got \(TableReader.describe(value))", line: line)
        }
        return .found(text, line: line)
    }
}
