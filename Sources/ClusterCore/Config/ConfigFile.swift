import Foundation

extension ConfigLoader {
    /// Reads and validates the file at `path`.
    public func load(path: String) throws(ConfigError) -> ClusterdConfig {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigError(problems: [ConfigProblem(file: path, line: nil, key: "",
                                                           message: "the file is not UTF-8 text")])
            }
            text = decoded
        } catch let error as ConfigError {
            throw error
        } catch {
            let reason = FileManager.default.fileExists(atPath: path)
                ? "cannot read the file (\(error.localizedDescription))"
                : "no such file; create it (see config/clusterd.example.toml) or pass --config PATH"
            throw ConfigError(problems: [ConfigProblem(file: path, line: nil, key: "", message: reason)])
        }
        return try parse(text, path: path)
    }
}

extension ConfigEnvironment {
    /// The environment of this process.
    public static var current: ConfigEnvironment {
        let env = ProcessInfo.processInfo.environment
        return ConfigEnvironment(
            home: env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory(),
            uid: getuid(),
            xdgConfigHome: env["XDG_CONFIG_HOME"],
            xdgStateHome: env["XDG_STATE_HOME"],
            xdgRuntimeDir: env["XDG_RUNTIME_DIR"]
        )
    }
}
