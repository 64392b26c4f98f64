import Foundation

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
        do {
            return ScriptTemplate(text: try String(contentsOfFile: path, encoding: .utf8), origin: path)
        } catch {
            throw Unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}
