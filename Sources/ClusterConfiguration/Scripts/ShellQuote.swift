/// Quoting for POSIX shells.
public enum ShellQuote {
    /// `text` as one shell word: bare when it is made of safe characters, otherwise in single quotes.
    public static func word(_ text: String) -> String {
        let safe = text.unicodeScalars.allSatisfy { s in
            ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
                || "-_./=:,+@%".unicodeScalars.contains(s)
        }
        if safe && !text.isEmpty { return text }
        return "'" + text.replacing("'", with: "'\\''") + "'"
    }

    /// Several words, quoted and joined by spaces.
    public static func words(_ texts: [String]) -> String {
        texts.map(word).joined(separator: " ")
    }
}
