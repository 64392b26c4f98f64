import ClusterCore
import PBSCore

/// Durations as written in the configuration: `"30s"`, `"15m"`, `"2h"`, `"1d"`, `"1h30m"`, `"90"` (seconds),
/// or PBS walltime form `"24:00:00"` / `"15:00"` (`[[HH:]MM:]SS`).
public enum DurationText {
    /// Parses `text` into whole seconds; nil when it is not a duration.
    public static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimming(" \t")
        guard !trimmed.isEmpty else { return nil }
        if trimmed.contains(":") { return PBSDuration.seconds(trimmed) }
        return unitSeconds(trimmed)
    }

    /// Formats seconds the short way: `30s`, `15m`, `1h30m`, `2d`.
    public static func format(_ seconds: Int) -> String {
        HumanDuration.compact(seconds)
    }

    private static func unitSeconds(_ text: String) -> Int? {
        if text.allSatisfy(\.isASCIIDigit) { return text.count < 10 ? Int(text) : nil }
        var total = 0
        var number = ""
        for char in text {
            if char.isASCIIDigit {
                number.append(char)
                continue
            }
            let size: Int
            switch char {
            case "s": size = 1
            case "m": size = 60
            case "h": size = 3_600
            case "d": size = 86_400
            default: return nil
            }
            guard !number.isEmpty, number.count < 10, let n = Int(number) else { return nil }
            total += n * size
            number = ""
        }
        return number.isEmpty ? total : nil
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
