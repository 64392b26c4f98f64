/// Job id syntax shared by qsub validation, qstat id matching and qdel attribution.
///
/// Accepted shape: a sequence number, an optional array part (`[]` or `[19]`), an optional `.server`
/// suffix of letters, digits, `.`, `-` and `_`: `4.server`, `6[].server`, `673175[19].host.domain`, `1234`.
///
/// Matching rule (qstat may print `4.vm` for an asked `4`, or the reverse): an asked id matches a printed
/// id when they are equal; otherwise when their short forms (everything before the first `.`) are equal and
/// exactly one printed id has that short form. One daemon talks to one server, so short forms are unique in
/// practice; when they are not, only exact matches count.
public enum PBSJobID {
    /// True when `text` has the shape of a job id.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        guard index > 0 else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: "[") {
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "]") else { return false }
            index += 1
        }
        guard index < bytes.count else { return true }
        guard bytes[index] == UInt8(ascii: "."), index + 1 < bytes.count else { return false }
        // Server part: letters, digits, `.`, `-`, `_`.
        return bytes[(index + 1)...].allSatisfy {
            isDigit($0) || isLetter($0) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F
        }
    }

    /// The id up to the first `.`: `4.server` → `4`, `6[].server` → `6[]`.
    public static func shortForm(_ id: String) -> String {
        guard let dot = id.firstIndex(of: ".") else { return id }
        return String(id[..<dot])
    }

    /// The bare sequence number (`12.host` → `12`, `6[].s` → `6`), as Slurm's wrappers need it.
    public static func sequenceNumber(_ id: String) -> String {
        String(id.prefix { $0.isASCII && $0.isNumber })
    }

    /// Maps each asked id to the printed id it matches (see the type's matching rule); unmatched asked ids
    /// are absent.
    public static func match(asked: [String], printed: [String]) -> [String: String] {
        let printedSet = Set(printed)
        var byShort: [String: [String]] = [:]
        for id in printedSet { byShort[shortForm(id), default: []].append(id) }
        var result: [String: String] = [:]
        for id in asked {
            if printedSet.contains(id) {
                result[id] = id
            } else if let candidates = byShort[shortForm(id)], candidates.count == 1 {
                result[id] = candidates[0]
            }
        }
        return result
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
}
