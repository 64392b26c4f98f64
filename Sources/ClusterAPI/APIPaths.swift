/// The control API's routes (also documented in docs/control-api.md).
public enum APIPaths {
    /// The version prefix.
    public static let prefix = "/v1"
    public static let health = "/v1/health"
    public static let status = "/v1/status"
    public static let clusters = "/v1/clusters"
    public static let events = "/v1/events"
    public static let reload = "/v1/reload"
    public static let metrics = "/metrics"
    /// The largest request body accepted.
    public static let maxBodyBytes = 1 << 20

    /// `/v1/clusters/{name}`.
    public static func cluster(_ name: String) -> String { clusters + "/" + percentEncoded(name) }

    /// Percent-encodes everything but unreserved characters (RFC 3986).
    public static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                 UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }

    /// Undoes `percentEncoded` (and any client's encoding): nil when a `%` is not followed by two hex digits or the
    /// bytes are not UTF-8.
    public static func percentDecoded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var input = text.utf8.makeIterator()
        while let byte = input.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = input.next().flatMap(hexValue), let low = input.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
