/// Character sets for values that end up in job scripts or on PBS command lines.
///
/// Everything is also quoted when rendered; these checks make a typo fail early with a clear message instead of
/// producing a job script that does something else.
public enum SafeText: Sendable {
    /// Cluster names: they become job names, file names and API paths.
    case name
    /// Absolute paths (after `~` expansion): no spaces, quotes or shell metacharacters.
    case path
    /// PBS queue and account names.
    case queue
    /// PBS `select` statements (`2:ncpus=4:mpiprocs=4:mem=8gb`).
    case select
    /// Network interface names (`eno1`, `ib0`).
    case interface
    /// Commands: a bare name looked up on PATH, or a path.
    case command
    /// Environment variable names.
    case variableName
    /// Free text quoted for the shell (extra arguments, environment values): anything printable.
    case printable

    /// What the set allows, for error messages.
    public var allowed: String {
        switch self {
        case .name: "letters, digits, '-' and '_', starting with a letter (at most 32)"
        case .path: "an absolute path or one starting with '~/', made of letters, digits and . _ - / + @ % = , :"
        case .queue: "letters, digits and . _ - @"
        case .select: "a PBS select statement: letters, digits and : = + . _ -"
        case .interface: "an interface name: letters, digits and . _ - (at most 15), or \"auto\""
        case .command: "a command name or path: letters, digits and . _ - / + @"
        case .variableName: "letters, digits and '_', not starting with a digit"
        case .printable: "printable characters (no control characters or newlines)"
        }
    }

    /// True when `text` is acceptable.
    public func accepts(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        let scalars = text.unicodeScalars
        if scalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return false }
        switch self {
        case .name:
            return text.count <= 32 && scalars.first.map(Self.isLetter) == true
                && scalars.allSatisfy { Self.isAlnum($0) || $0 == "-" || $0 == "_" }
        case .path:
            return (text.hasPrefix("/") || text.hasPrefix("~/") || text == "~")
                && scalars.allSatisfy { Self.isAlnum($0) || "._-/+@%=,:~".unicodeScalars.contains($0) }
        case .queue:
            return scalars.allSatisfy { Self.isAlnum($0) || "._-@".unicodeScalars.contains($0) }
        case .select:
            return scalars.allSatisfy { Self.isAlnum($0) || ":=+._-".unicodeScalars.contains($0) }
        case .interface:
            return text.count <= 15 && scalars.allSatisfy { Self.isAlnum($0) || "._-".unicodeScalars.contains($0) }
        case .command:
            return scalars.allSatisfy { Self.isAlnum($0) || "._-/+@".unicodeScalars.contains($0) }
        case .variableName:
            return scalars.first.map { Self.isLetter($0) || $0 == "_" } == true
                && scalars.allSatisfy { Self.isAlnum($0) || $0 == "_" }
        case .printable:
            return true
        }
    }

    /// `text` in double quotes for a message, with quotes, backslashes and control characters escaped, so that
    /// whatever a user or a client sent shows as what it is.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func isLetter(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("A"..."Z").contains(s)
    }

    private static func isAlnum(_ s: Unicode.Scalar) -> Bool {
        isLetter(s) || ("0"..."9").contains(s)
    }
}
