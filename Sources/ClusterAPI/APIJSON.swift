#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON coding both ends of the control API use: sorted keys, unescaped slashes, the Swift property names as
/// keys (snake_case conversion would turn `jobID` into `job_id` and back into `jobId`, losing it).
public enum APIJSON {
    /// A fresh encoder (JSONEncoder is not Sendable; make one per use).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A fresh decoder matching `encoder()`.
    public static func decoder() -> JSONDecoder {
        JSONDecoder()
    }

    /// Encodes `value` as compact JSON bytes.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> [UInt8] {
        Array(try encoder(pretty: pretty).encode(value))
    }

    /// Decodes `T` from JSON bytes.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decoder().decode(type, from: Data(bytes))
    }
}
