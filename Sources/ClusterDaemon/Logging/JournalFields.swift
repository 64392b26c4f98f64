import Logging

/// How a log entry becomes journal fields: priorities, field names, the entry's `KEY=value` list.
public enum JournalFields {
    /// The value of `SYSLOG_IDENTIFIER`.
    public static let identifier = "clusterd"

    /// Fields this handler sets itself; metadata keys that sanitize to one of them get a `CLUSTERD_` prefix.
    static let reserved: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "MESSAGE_ID",
        "ERRNO", "SYSLOG_FACILITY", "SYSLOG_PID", "SYSLOG_TIMESTAMP", "SYSLOG_RAW", "DOCUMENTATION",
        "TID",
    ]

    /// The syslog priority (0 emerg ... 7 debug) for a swift-log level.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// A journal field name for a metadata key: uppercase, `[A-Z0-9_]` only (others become `_`), no leading `_`
    /// (those are trusted fields journald sets) and no leading digit, at most 64 characters. Nil when nothing
    /// usable is left.
    public static func fieldName(_ key: String) -> String? {
        var name = String(key.uppercased().unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "0"..."9", "_": Character(scalar)
            default: "_"
            }
        })
        while name.first == "_" { name.removeFirst() }
        if name.isEmpty || name.allSatisfy({ $0 == "_" }) { return nil }
        if name.first!.isNumber || reserved.contains(name) { name = "CLUSTERD_" + name }
        return String(name.prefix(64))
    }

    /// Every field of one entry, as `KEY=value` strings (values may hold newlines: sd_journal_sendv copes).
    public static func entry(level: Logger.Level, message: String, metadata: Logger.Metadata,
                             file: String, function: String, line: UInt) -> [String] {
        var fields = [
            "MESSAGE=\(message)",
            "PRIORITY=\(priority(level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(file)",
            "CODE_LINE=\(line)",
            "CODE_FUNC=\(function)",
        ]
        var seen: Set<String> = []
        for key in metadata.keys.sorted() {
            guard let name = fieldName(key), seen.insert(name).inserted else { continue }
            fields.append("\(name)=\(metadata[key]!)")
        }
        return fields
    }
}
