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

    /// Parses a PBS time value (`walltime`, `cput`) into seconds the way `decode_time` in OpenPBS's
    /// src/lib/Libattr/attr_fn_time.c does: `[[HH:]MM:]SS[.fff]`, at most two colons, each after a digit, a
    /// fraction of half a second or more rounds up, an empty field counts 0 (`5:` is 300). Nil when the real
    /// one returns PBSE_BADATVAL (`abc`, `1:2:3:4`, `:5`, `1.x`).
    static func decodeTime(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        func number(_ slice: ArraySlice<UInt8>) -> Int? {
            slice.isEmpty ? 0 : Int(String(decoding: slice, as: UTF8.self))
        }
        var total = 0
        var colons = 0
        var fieldStart = 0
        var fieldEnd = bytes.count
        var roundUp = false
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: ":") {
                colons += 1
                guard colons <= 2, index > 0, isDigit(bytes[index - 1]),
                      let field = number(bytes[fieldStart..<index]) else { return nil }
                let (shifted, overflow) = total.multipliedReportingOverflow(by: 60)
                guard !overflow else { return nil }
                total = shifted + field
                fieldStart = index + 1
            } else if byte == UInt8(ascii: ".") {
                guard index > 0, isDigit(bytes[index - 1]) else { return nil }
                let fraction = bytes[(index + 1)...]
                guard fraction.allSatisfy(isDigit) else { return nil }
                let millis = String(decoding: fraction.prefix(3), as: UTF8.self)
                    .padding(toLength: 3, withPad: "0", startingAt: 0)
                roundUp = (Int(millis) ?? 0) >= 500
                fieldEnd = index
                break
            } else if !isDigit(byte) {
                return nil
            }
        }
        guard let last = number(bytes[fieldStart..<fieldEnd]) else { return nil }
        let (shifted, overflow) = total.multipliedReportingOverflow(by: 60)
        guard !overflow, shifted <= Int.max - last - 1 else { return nil }
        return shifted + last + (roundUp ? 1 : 0)
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
