#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Converts qstat time stamps and durations. One instance lives for one parse call.
///
/// OpenPBS and the Slurm wrappers print `Wed Nov 25 21:21:41 2026` in the server's local time; the C
/// library's `mktime` with `tm_isdst = -1` turns it into epoch seconds. `mktime` is asked once per
/// (date, hour) and the minutes and seconds are added, because a 10,000-job listing has ~50,000 stamps
/// and time-zone offsets change on whole hours in every zone that `qstat` servers run in.
struct PBSTimeConverter {
    private var hourCache: [Int: Int] = [:]
    /// Most stamps of one job fall in the same hour: check the last one before hashing.
    private var lastKey = -1
    private var lastStart = 0

    /// Epoch seconds for a ctime-style stamp, or for a plain epoch number (Torque, JSON numbers).
    mutating func epoch(_ text: ByteSlice) -> Int? {
        var index = 0
        let end = text.count
        func skipBlanks() {
            while index < end, text[index] == 0x20 || text[index] == 0x09 { index += 1 }
        }
        func number(maxDigits: Int) -> Int? {
            var value = 0
            var digits = 0
            while index < end, digits < maxDigits, text[index] >= 0x30, text[index] <= 0x39 {
                value = value * 10 + Int(text[index] - 0x30)
                digits += 1
                index += 1
            }
            return digits > 0 ? value : nil
        }
        skipBlanks()
        guard index < end else { return nil }
        if text[index] >= 0x30, text[index] <= 0x39 {
            // A bare epoch number.
            let value = number(maxDigits: 18)
            skipBlanks()
            return index == end ? value : nil
        }
        // Optional weekday, then the month.
        var month = Self.month(text, at: index)
        if month == nil {
            index += 3
            skipBlanks()
            month = Self.month(text, at: index)
        }
        guard let month else { return nil }
        index += 3
        skipBlanks()
        guard let day = number(maxDigits: 2) else { return nil }
        skipBlanks()
        guard let hour = number(maxDigits: 2), index < end, text[index] == 0x3A else { return nil }
        index += 1
        guard let minute = number(maxDigits: 2), index < end, text[index] == 0x3A else { return nil }
        index += 1
        guard let second = number(maxDigits: 2) else { return nil }
        skipBlanks()
        guard let year = number(maxDigits: 4) else { return nil }
        skipBlanks()
        guard index == end, day >= 1, day <= 31, hour < 24, minute < 60, second <= 60 else { return nil }
        let key = ((year * 100 + month) * 100 + day) * 100 + hour
        if key == lastKey { return lastStart + minute * 60 + second }
        if let start = hourCache[key] {
            lastKey = key
            lastStart = start
            return start + minute * 60 + second
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_isdst = -1
        let start = Int(mktime(&parts))
        guard start != -1 else { return nil }
        hourCache[key] = start
        lastKey = key
        lastStart = start
        return start + minute * 60 + second
    }

    /// 1...12 for an English three-letter month name at `index`, else nil.
    private static func month(_ text: ByteSlice, at index: Int) -> Int? {
        guard index + 3 <= text.count else { return nil }
        let value = UInt32(text[index]) << 16 | UInt32(text[index + 1]) << 8 | UInt32(text[index + 2])
        switch value {
        case 0x4A_61_6E: return 1  // Jan
        case 0x46_65_62: return 2  // Feb
        case 0x4D_61_72: return 3  // Mar
        case 0x41_70_72: return 4  // Apr
        case 0x4D_61_79: return 5  // May
        case 0x4A_75_6E: return 6  // Jun
        case 0x4A_75_6C: return 7  // Jul
        case 0x41_75_67: return 8  // Aug
        case 0x53_65_70: return 9  // Sep
        case 0x4F_63_74: return 10  // Oct
        case 0x4E_6F_76: return 11  // Nov
        case 0x44_65_63: return 12  // Dec
        default: return nil
        }
    }
}
