import POSIXSupport
import ClusterAPI
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads and writes a `HandoffDocument` at a path.
public struct HandoffFile: Sendable {
    public var path: String

    public init(path: String) {
        self.path = path
    }

    /// Atomically replaces the file.
    public func write(_ handoff: HandoffDocument) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var bytes = Array(try encoder.encode(handoff))
        bytes.append(0x0A)
        try AtomicFile.write(bytes, to: path, mode: 0o600)
    }

    /// The current handoff, or nil when none was written yet.
    public func read() throws -> HandoffDocument? {
        guard let bytes = try FileIO.read(path) else { return nil }
        return try JSONDecoder().decode(HandoffDocument.self, from: Data(bytes))
    }
}
