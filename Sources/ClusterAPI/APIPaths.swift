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
}
