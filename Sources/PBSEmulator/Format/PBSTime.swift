import Foundation

/// Time formats PBS prints.
enum PBSTime {
    /// `ctime(3)` without the newline: `Wed Nov 25 21:21:41 2026`.
    static func ctime(_ epoch: Double) -> String {
        format(epoch, "%a %b %e %H:%M:%S %Y")
    }

    /// The scheduler's comment date: `Wed Nov 25 at 21:21`.
    static func commentDate(_ epoch: Double) -> String {
        format(epoch, "%a %b %d at %H:%M")
    }

    /// `HH:MM:SS` with as many hour digits as needed.
    static func duration(_ seconds: Int) -> String {
        let value = max(0, seconds)
        let hours = value / 3600
        let minutes = value % 3600 / 60
        let secs = value % 60
        return (hours < 10 ? "0\(hours)" : "\(hours)") + ":" + two(minutes) + ":" + two(secs)
    }

    /// Parses `SS`, `MM:SS` or `HH:MM:SS` (PBS walltime syntax) into seconds.
    static func parseDuration(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var total = 0
        for part in parts {
            guard let number = Int(part), number >= 0 else {
                if parts.count == 1, let seconds = Double(part), seconds >= 0 { return Int(seconds.rounded(.up)) }
                return nil
            }
            total = total * 60 + number
        }
        return total
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func format(_ epoch: Double, _ pattern: String) -> String {
        var seconds = time_t(epoch)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Durations for the emulator's own settings: `3s`, `500ms`, `2m`, `1.5`.
public enum EmulatorDuration {
    /// Seconds, or nil when `text` is not a duration.
    public static func parse(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0 else { return nil }
            return number * factor
        }
        guard let number = Double(text), number >= 0 else { return nil }
        return number
    }
}
