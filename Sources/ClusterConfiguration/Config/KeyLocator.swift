import ClusterCore
/// Finds the line on which a dotted key is defined in TOML text.
///
/// TOMLKit reports line numbers for syntax errors but not for decoded values, so this reads the text the way a
/// person would: table headers (`[a.b]`, `[[a]]`) and `key = value` lines, skipping multi-line strings.
/// It is best-effort; a key it cannot place gets no line rather than a wrong one.
struct KeyLocator {
    private var lines: [String: Int] = [:]
    private var assignments: [String: Assignment] = [:]

    /// One `key = value` line: where it is, the key as written on it, and the line itself.
    struct Assignment: Equatable {
        var line: Int
        var key: [String]
        var text: String
    }

    init(text: String) {
        var table: [String] = []
        var inMultiline: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimming(" \t")
            if let delimiter = inMultiline {
                if line.contains(delimiter) { inMultiline = nil }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let inner = line.drop { $0 == "[" }.prefix { $0 != "]" }
                table = Self.splitKey(String(inner))
                record(table, line: index + 1)
                continue
            }
            guard let equals = Self.indexOfEquals(line) else { continue }
            let key = Self.splitKey(String(line[..<equals]))
            guard !key.isEmpty else { continue }
            record(table + key, line: index + 1)
            let path = (table + key).joined(separator: ".")
            if assignments[path] == nil { assignments[path] = Assignment(line: index + 1, key: key, text: line) }
            let value = String(line[line.index(after: equals)...])
            for delimiter in ["\"\"\"", "'''"] where value.contains(delimiter) {
                if value.occurrences(of: delimiter) % 2 == 1 { inMultiline = delimiter }
            }
        }
    }

    /// The line of `path`, or of its nearest enclosing table that has one.
    func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path.joined(separator: ".")] { return line }
            path.removeLast()
        }
        return nil
    }

    /// The first `key = value` line that sets `path`, when there is one.
    func assignment(of path: [String]) -> Assignment? {
        assignments[path.joined(separator: ".")]
    }

    private mutating func record(_ path: [String], line: Int) {
        let key = path.joined(separator: ".")
        if lines[key] == nil { lines[key] = line }
    }

    private static func indexOfEquals(_ line: String) -> String.Index? {
        var quote: Character?
        for index in line.indices {
            let char = line[index]
            if let open = quote {
                if char == open { quote = nil }
            } else if char == "\"" || char == "'" {
                quote = char
            } else if char == "=" {
                return index
            }
        }
        return nil
    }

    static func splitKey(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for char in text {
            if let open = quote {
                if char == open { quote = nil } else { current.append(char) }
            } else if char == "\"" || char == "'" {
                quote = char
            } else if char == "." {
                parts.append(current.trimming(" \t"))
                current = ""
            } else {
                current.append(char)
            }
        }
        parts.append(current.trimming(" \t"))
        return parts.filter { !$0.isEmpty }
    }
}

extension String {
    /// How many times `separator` occurs, without overlaps.
    func occurrences(of separator: String) -> Int {
        guard !separator.isEmpty else { return 0 }
        var count = 0
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}
