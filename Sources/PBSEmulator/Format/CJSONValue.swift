import Foundation

/// A JSON value printed exactly like cJSON's `cJSON_Print`, which OpenPBS 23.06 uses for `qstat -F json`:
/// TAB indentation, `"key":<TAB>value`, integral numbers without a fraction.
public indirect enum CJSONValue: Sendable, Equatable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case null
    /// Keys in insertion order.
    case object([(String, CJSONValue)])

    public static func == (lhs: CJSONValue, rhs: CJSONValue) -> Bool {
        switch (lhs, rhs) {
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case (.null, .null): true
        case let (.object(a), .object(b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }

    /// What `pbs_json_insert_parsed` stores for an attribute value: the value parsed as JSON when it is a
    /// complete JSON number or literal (`007` → 7, `-29` → -29), otherwise the string itself.
    public static func parsed(_ text: String) -> CJSONValue {
        let trimmed = text.drop { $0.asciiValue.map { $0 <= 32 } ?? false }
        let rest = String(trimmed.reversed().drop { $0.asciiValue.map { $0 <= 32 } ?? false }.reversed())
        guard let first = rest.first else { return .string(text) }
        switch rest {
        case "null": return .null
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: break
        }
        guard first == "-" || first.isASCII && first.isNumber else { return .string(text) }
        // cJSON copies the characters a number may contain, then lets strtod decide how many it uses.
        let allowed = Set("0123456789+-eE.")
        let candidate = String(rest.prefix { allowed.contains($0) })
        guard candidate.count == rest.count else { return .string(text) }
        var end: UnsafeMutablePointer<CChar>?
        let value = candidate.withCString { start -> (Double, Int) in
            let number = strtod(start, &end)
            return (number, end.map { $0 - UnsafeMutablePointer(mutating: start) } ?? 0)
        }
        guard value.1 == candidate.utf8.count, value.1 > 0 else { return .string(text) }
        return .number(value.0)
    }

    /// The cJSON_Print text (no trailing newline).
    public func printed() -> String {
        var out = ""
        print(into: &out, depth: 0)
        return out
    }

    private func print(into out: inout String, depth: Int) {
        switch self {
        case let .number(value): out += Self.formatNumber(value)
        case let .string(text): out += Self.quoted(text)
        case let .bool(flag): out += flag ? "true" : "false"
        case .null: out += "null"
        case let .object(members):
            out += "{\n"
            for (index, member) in members.enumerated() {
                out += String(repeating: "\t", count: depth + 1)
                out += Self.quoted(member.0)
                out += ":\t"
                member.1.print(into: &out, depth: depth + 1)
                if index + 1 < members.count { out += "," }
                out += "\n"
            }
            out += String(repeating: "\t", count: depth)
            out += "}"
        }
    }

    static func formatNumber(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return "null" }
        let asInt: Int32 = value >= Double(Int32.max) ? .max : value <= Double(Int32.min) ? .min : Int32(value)
        if value == Double(asInt) { return String(asInt) }
        let short = String(format: "%1.15g", value)
        if let back = Double(short), abs(back - value) <= max(abs(back), abs(value)) * .ulpOfOne {
            return short
        }
        return String(format: "%1.17g", value)
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 32 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
