/// PBS durations (`walltime`, `cput`): the one place clusterd reads them from text and prints them.
///
/// Read from qstat output in the parsers' hot path (bytes, no allocation) and from the configuration (a
/// `String`, at most `[[H:]M:]S`); printed as `HH:MM:SS` for qsub's `-l walltime=`.
public enum PBSDuration {
    /// Seconds in `text` (`24:00:00`, `15:00`, `90`), or nil when it is not a duration. `maxFields` 3 takes
    /// `[[H:]M:]S` only; 4 also takes a day field. `fraction` accepts and ignores `.frac` after the seconds.
    public static func seconds(_ text: String, maxFields: Int = 3, fraction: Bool = false) -> Int? {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return nil }
        return bytes.withUnsafeMutableBufferPointer { buffer in
            seconds(ByteSlice(start: UnsafePointer(buffer.baseAddress!), count: buffer.count),
                    maxFields: maxFields, fraction: fraction)
        }
    }

    /// `HH:MM:SS` (hours may exceed 24), as qsub takes it.
    public static func format(_ seconds: Int) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(seconds / 3_600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }

    /// Seconds in a PBS duration as qstat prints it, `[[[D:]H:]M:]S[.frac]` (`16:00:00`, `335:34:49`, `3600`).
    /// Nil when malformed, and for Slurm's "no limit" (`71582788:15:00`, INFINITE minutes).
    static func seconds(_ text: ByteSlice, maxFields: Int = 4, fraction: Bool = true) -> Int? {
        var parts: [Int] = []
        var value = 0
        var digits = 0
        var index = 0
        var end = text.count
        while index < end, text[index] == 0x20 { index += 1 }
        while end > index, text[end - 1] == 0x20 { end -= 1 }
        while index < end {
            let byte = text[index]
            if byte >= 0x30, byte <= 0x39 {
                guard digits < 15 else { return nil }
                value = value * 10 + Int(byte - 0x30)
                digits += 1
            } else if byte == 0x3A {
                guard digits > 0, parts.count < maxFields - 1 else { return nil }
                parts.append(value)
                value = 0
                digits = 0
            } else if byte == 0x2E, digits > 0, fraction {
                // Fractional seconds: ignored, but only digits may follow.
                index += 1
                while index < end {
                    guard text[index] >= 0x30, text[index] <= 0x39 else { return nil }
                    index += 1
                }
                break
            } else {
                return nil
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        parts.append(value)
        var seconds = 0
        let units = [1, 60, 3600, 86400]
        for (position, part) in parts.reversed().enumerated() {
            seconds += part * units[position]
        }
        // Slurm prints an unlimited time_limit (0xFFFFFFFF minutes) as 71582788:15:00.
        if seconds >= 0xFFFF_FFFF * 60 { return nil }
        return seconds
    }
}
