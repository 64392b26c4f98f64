/// One thing wrong with a configuration file: where, which key, and what is allowed.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line, when it is known.
    public var line: Int?
    /// Dotted key path (`clusters.default.engines.jobs`); empty for file-level problems.
    public var key: String
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `file:line: key: message`, the form compilers use, so editors can jump to it.
    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}

/// A configuration that cannot be used, with every problem found (not just the first).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
