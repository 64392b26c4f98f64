import ClusterAPI
import Glibc
import POSIXSupport

/// One JSON document in one file: the daemon's single way to read and write its JSON files (state, handoff,
/// job reports), with the control API's coders, so every file and the API spell a value the same way.
///
/// Writes are atomic (`AtomicFile`); reads refuse anything but a regular file (a FIFO would block start-up).
public struct JSONFile<Document: Codable & Sendable>: Sendable {
    /// The file.
    public var path: String
    /// Indented output, for files people read (the handoff).
    public var pretty: Bool
    /// The file's permission bits.
    public var mode: mode_t

    /// A JSON file at `path`.
    public init(path: String, pretty: Bool = false, mode: mode_t = 0o600) {
        self.path = path
        self.pretty = pretty
        self.mode = mode
    }

    /// A file that exists but does not hold a `Document`.
    public struct Invalid: Error, CustomStringConvertible {
        /// The file.
        public var path: String
        /// What is wrong with it.
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The document, or nil when the file does not exist.
    public func read() throws -> Document? {
        guard let bytes = try FileIO.read(path) else { return nil }
        do {
            return try APIJSON.decode(Document.self, from: bytes)
        } catch {
            throw Invalid(path: path, reason: "not valid JSON for this file (\(error))")
        }
    }

    /// Replaces the file atomically, with a final newline.
    public func write(_ document: Document) throws {
        var bytes = try APIJSON.encode(document, pretty: pretty)
        bytes.append(0x0A)
        try AtomicFile.write(bytes, to: path, mode: mode)
    }
}

extension JSONFile where Document == HandoffDocument {
    /// The handoff file at `path`: indented (people read it), mode 0600.
    public static func handoff(_ path: String) -> JSONFile<HandoffDocument> {
        JSONFile(path: path, pretty: true)
    }
}
