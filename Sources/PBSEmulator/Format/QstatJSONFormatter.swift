/// Renders `qstat -f -F json` output as OpenPBS 23.06 prints it.
public enum QstatJSONFormatter {
    /// The version string every emulated command reports.
    public static let pbsVersion = "23.06.06"

    /// The whole document: `timestamp`, `pbs_version`, `pbs_server`, and `Jobs` only when `jobs` is not empty.
    public static func envelope(jobs: [QstatJob], server: String, timestamp: Int) -> String {
        var members: [(String, CJSONValue)] = [
            ("timestamp", .number(Double(timestamp))),
            ("pbs_version", .string(pbsVersion)),
            ("pbs_server", .string(server)),
        ]
        if !jobs.isEmpty {
            members.append(("Jobs", .object(jobs.map { ($0.id, jobObject($0)) })))
        }
        return CJSONValue.object(members).printed() + "\n"
    }

    /// One job: `name.resource` attributes become nested objects, `Variable_List` becomes an object of its
    /// variables, and every value goes through cJSON's parse-or-string rule.
    public static func jobObject(_ job: QstatJob) -> CJSONValue {
        var members: [(String, CJSONValue)] = []
        for attribute in job.attributes {
            if let resource = attribute.resource {
                let value = CJSONValue.parsed(attribute.value)
                if let index = members.lastIndex(where: { $0.0 == attribute.name }),
                   case var .object(inner) = members[index].1 {
                    inner.append((resource, value))
                    members[index].1 = .object(inner)
                } else {
                    members.append((attribute.name, .object([(resource, value)])))
                }
            } else if attribute.name == "Variable_List" {
                let pairs = splitVariableList(attribute.value).map { ($0.name, CJSONValue.parsed($0.value)) }
                members.append((attribute.name, .object(pairs)))
            } else {
                members.append((attribute.name, .parsed(attribute.value)))
            }
        }
        return .object(members)
    }

    /// Splits `A=1,B=x\,y` at commas that are not escaped with a backslash, then each piece at its first `=`.
    public static func splitVariableList(_ value: String) -> [NamedValue] {
        var pieces: [String] = []
        var current = ""
        var escaped = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "," {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current)
        return pieces.filter { !$0.isEmpty }.map { piece in
            if let equals = piece.firstIndex(of: "=") {
                return NamedValue(String(piece[..<equals]), String(piece[piece.index(after: equals)...]))
            }
            return NamedValue(piece, "")
        }
    }
}
