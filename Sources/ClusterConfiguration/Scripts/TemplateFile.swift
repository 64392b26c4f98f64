import ClusterCore
import POSIXSupport
/// Reads a user's job-script template.
public enum TemplateFile {
    /// A template file that cannot be read.
    public struct Unreadable: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): cannot read the job-script template: \(reason)" }
    }

    /// The user's template for `role` of `cluster`, or nil when the role uses the built-in one.
    public static func load(for role: ClusterRole, of cluster: ClusterConfig) throws -> ScriptTemplate? {
        guard let path = cluster.job(for: role).script else { return nil }
        let bytes: [UInt8]?
        do {
            bytes = try FileIO.read(path)
        } catch {
            throw Unreadable(path: path, reason: error.reason)
        }
        guard let bytes else { throw Unreadable(path: path, reason: "no such file") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Unreadable(path: path, reason: "the file is not UTF-8 text")
        }
        return ScriptTemplate(text: text, origin: path)
    }
}
