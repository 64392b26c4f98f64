import ClusterCore
/// A job-script template: text with `{{name}}` placeholders.
///
/// Every value inserted is a shell-quoted word (see `ShellQuote`), so templates use placeholders where a shell
/// word may stand (`cd {{workdir}}`, never inside quotes). An unknown placeholder is an error naming it.
public struct ScriptTemplate: Sendable, Equatable {
    public var text: String
    /// Where it came from, for messages ("built-in controller", or a file path).
    public var origin: String

    public init(text: String, origin: String) {
        self.text = text
        self.origin = origin
    }

    /// A placeholder the template uses but the renderer does not provide.
    public struct UnknownPlaceholder: Error, Sendable, Equatable, CustomStringConvertible {
        public var origin: String
        public var line: Int
        public var name: String
        public var known: [String]

        public var description: String {
            "\(origin):\(line): unknown placeholder {{\(name)}}; known: \(known.joined(separator: ", "))"
        }
    }

    /// Replaces every `{{name}}` with `values[name]` (already shell-quoted by the caller).
    public func render(_ values: [String: String]) throws(UnknownPlaceholder) -> String {
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let name = rest[open.upperBound..<close.lowerBound].trimming(" ")
            guard let value = values[name] else {
                let line = text[..<open.lowerBound].count(where: { $0 == "\n" }) + 1
                throw UnknownPlaceholder(origin: origin, line: line, name: name, known: values.keys.sorted())
            }
            out += value
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }
}
