import TOMLKit

/// Reads one TOML table with typed accessors, collecting a `ConfigProblem` for every bad or unknown key.
///
/// Every accessor returns a usable value (the default when the key is absent or wrong), so one pass finds all
/// problems in a file instead of stopping at the first.
final class TableReader {
    private let table: TOMLTable
    private let path: [String]
    private let sink: ProblemSink
    private var known: Set<String> = []

    init(table: TOMLTable, path: [String], sink: ProblemSink) {
        self.table = table
        self.path = path
        self.sink = sink
    }

    var keys: [String] { table.keys }

    func keyPath(_ key: String) -> [String] { path + [key] }

    func report(_ key: String?, _ message: String) {
        sink.add(path: key.map { path + [$0] } ?? path, message: message)
    }

    private func value(_ key: String) -> (any TOMLValueConvertible)? {
        known.insert(key)
        return table[key]
    }

    func string(_ key: String, default fallback: String, _ set: SafeText = .printable) -> String {
        optionalString(key, set) ?? fallback
    }

    func optionalString(_ key: String, _ set: SafeText = .printable) -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.string else {
            report(key, "must be a string, got \(Self.describe(value))")
            return nil
        }
        guard set.accepts(text) else {
            report(key, "must be \(set.allowed), got \(Self.quote(text))")
            return nil
        }
        return text
    }

    func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>, what: String) -> Int {
        guard let value = value(key) else { return fallback }
        guard let number = value.int, range.contains(number) else {
            report(key, "must be \(what), got \(Self.describe(value))")
            return fallback
        }
        return number
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        guard let value = value(key) else { return fallback }
        guard let flag = value.bool else {
            report(key, "must be true or false, got \(Self.describe(value))")
            return fallback
        }
        return flag
    }

    /// A duration string in seconds, at least `minimum`.
    func duration(_ key: String, default fallback: Int, minimum: Int = 0, why: String? = nil) -> Int {
        guard let value = value(key) else { return fallback }
        guard let text = value.string, let seconds = DurationText.seconds(text) else {
            report(key, "must be a duration such as \"30s\", \"15m\", \"2h\" or \"24:00:00\", "
                + "got \(Self.describe(value))")
            return fallback
        }
        guard seconds >= minimum else {
            let reason = why.map { " (\($0))" } ?? ""
            report(key, "must be at least \(DurationText.format(minimum))\(reason), got \(Self.quote(text))")
            return fallback
        }
        return seconds
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, default fallback: T) -> T
    where T.RawValue == String {
        guard let value = value(key) else { return fallback }
        let options = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard let text = value.string, let choice = T(rawValue: text) else {
            report(key, "must be one of \(options), got \(Self.describe(value))")
            return fallback
        }
        return choice
    }

    func stringArray(_ key: String, _ set: SafeText = .printable) -> [String] {
        guard let value = value(key) else { return [] }
        guard let array = value.array else {
            report(key, "must be an array of strings, got \(Self.describe(value))")
            return []
        }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let text = element.string, set.accepts(text) else {
                report("\(key)[\(index)]", "must be a string of \(set.allowed), got \(Self.describe(element))")
                continue
            }
            result.append(text)
        }
        return result
    }

    /// The sub-table `key`, or nil (with a problem when it is present but not a table).
    func table(_ key: String) -> TableReader? {
        guard let value = value(key) else { return nil }
        guard let sub = value.table else {
            report(key, "must be a table ([\((path + [key]).joined(separator: "."))]), got \(Self.describe(value))")
            return nil
        }
        return TableReader(table: sub, path: path + [key], sink: sink)
    }

    /// Reports every key that no accessor asked for, with the closest known key as a hint.
    func rejectUnknownKeys() {
        for key in table.keys where !known.contains(key) {
            var message = "unknown key"
            if let hint = Self.closest(to: key, in: known) { message += " (did you mean \"\(hint)\"?)" }
            let allowed = known.sorted().joined(separator: ", ")
            report(key, message + "; allowed here: \(allowed)")
        }
    }

    static func describe(_ value: any TOMLValueConvertible) -> String {
        if let text = value.string { return quote(text) }
        if let number = value.int { return "\(number)" }
        if let number = value.double { return "\(number)" }
        if let flag = value.bool { return "\(flag)" }
        switch value.type {
        case .table: return "a table"
        case .array: return "an array"
        default: return "a \(value.type)"
        }
    }

    static func quote(_ text: String) -> String {
        SafeText.quoted(text)
    }

    static func closest(to key: String, in candidates: Set<String>) -> String? {
        let scored = candidates.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
        return best.1 <= max(2, key.count / 3) ? best.0 : nil
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// Collects problems with their line numbers.
final class ProblemSink {
    private let file: String
    private let locator: KeyLocator
    private(set) var problems: [ConfigProblem] = []

    init(file: String, text: String) {
        self.file = file
        self.locator = KeyLocator(text: text)
    }

    /// Problems in file order; those without a line last.
    var sortedProblems: [ConfigProblem] {
        problems.enumerated().sorted { a, b in
            let (la, lb) = (a.element.line ?? Int.max, b.element.line ?? Int.max)
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }

    func add(path: [String], message: String) {
        let clean = path.map { key in
            (key.split(separator: "[").first.map(String.init) ?? key).filter { $0 != "\"" }
        }
        problems.append(ConfigProblem(file: file, line: locator.line(of: clean), key: path.joined(separator: "."),
                                      message: message))
    }

    func addFileProblem(line: Int?, message: String) {
        problems.append(ConfigProblem(file: file, line: line, key: "", message: message))
    }
}
