/// Wall-clock time in seconds since the Unix epoch.
///
/// Always passed in by the caller: the reconciler never reads a clock, so every decision can be replayed in tests.
/// Wall-clock (not monotonic) because state survives daemon restarts and PBS reports epoch times.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var seconds: Double

    /// A time `seconds` after the epoch.
    public init(_ seconds: Double) {
        self.seconds = seconds
    }

    /// A time from the integer epoch seconds PBS prints (`stime`, `mtime`, ...).
    public init(epochSeconds: Int) {
        self.seconds = Double(epochSeconds)
    }

    /// Decodes from a bare number so the state file stays readable.
    public init(from decoder: any Decoder) throws {
        seconds = try decoder.singleValueContainer().decode(Double.self)
    }

    /// Encodes as a bare number.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(seconds)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.seconds < rhs.seconds }

    /// The time `rhs` seconds later.
    public static func + (lhs: Timestamp, rhs: Double) -> Timestamp { Timestamp(lhs.seconds + rhs) }

    /// Seconds from `rhs` to `lhs`.
    public static func - (lhs: Timestamp, rhs: Timestamp) -> Double { lhs.seconds - rhs.seconds }

    public var description: String { "@\(seconds)" }
}
