/// Identifies one submission from the moment it is decided, before `qsub` returns a job id.
///
/// It travels to the job as `CLUSTERD_INTENT`, so a job submitted just before a crash can be matched after it.
/// Only letters, digits and `-`: safe inside `qsub -v` (no commas or quotes) and never taken for a number.
public struct IntentID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The value as passed to the job.
    public var rawValue: String

    /// Wraps a raw intent id.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// Decodes from a bare string.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes as a bare string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
}
