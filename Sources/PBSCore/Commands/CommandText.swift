/// Small text helpers shared by the command interpreters (no Foundation).
enum CommandText {
    /// Lines of `text` with surrounding whitespace removed, empty lines dropped.
    static func lines(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { trim(String($0)) }
            .filter { !$0.isEmpty }
    }

    /// `text` without leading and trailing spaces, tabs and line breaks.
    static func trim(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
              let last = text.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(text[first...last])
    }

    /// A one-line excerpt: line breaks shown as ` | `, cut to `limit` characters.
    static func excerpt(_ text: String, limit: Int = 400) -> String {
        let joined = lines(text).joined(separator: " | ")
        guard joined.count > limit else { return joined }
        return String(joined.prefix(limit)) + "…"
    }

    /// True when `text` contains `needle`, ignoring ASCII case.
    static func contains(_ text: String, _ needle: String) -> Bool {
        text.lowercased().contains(needle.lowercased())
    }

    /// Phrases the PBS, Torque and Slurm clients print when they cannot reach their server.
    static let serverDownPhrases = [
        "errno=15010", "cannot connect to server", "connection refused", "couldn't connect to cluster",
        "unable to contact slurm controller", "problem loading jobs", "cannot connect to specified server",
        "pbs_connect", "communication failure", "no route to host", "connection timed out",
    ]

    /// True when the output reads like "server unreachable".
    static func mentionsServerDown(_ text: String) -> Bool {
        let lower = text.lowercased()
        return serverDownPhrases.contains { lower.contains($0) }
    }

    /// True when `scalar` is a C0 control character or DEL.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
    }

    /// The first control character in `text`, described for an error message, or nil.
    static func firstControlCharacter(in text: String) -> String? {
        guard let scalar = text.unicodeScalars.first(where: isControl) else { return nil }
        switch scalar {
        case "\n": return "a newline"
        case "\r": return "a carriage return"
        case "\t": return "a tab"
        default: return "control character U+\(String(scalar.value, radix: 16, uppercase: true))"
        }
    }
}
