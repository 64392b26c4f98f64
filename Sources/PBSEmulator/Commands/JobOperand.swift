/// A command-line operand of qstat/qdel/qhold/qrls: a job id, a queue name, or something malformed.
enum JobOperand: Equatable {
    /// A job id of this server; `display` is the full id as PBS prints it in messages.
    case job(seq: Int, display: String)
    /// A job id naming another server or an array: never known here.
    case foreign(display: String)
    /// A word that is not a job id: qstat takes it as a queue name.
    case destination(String)
    /// `12.3.4x@@`.
    case malformed(String)

    static func parse(_ text: String, server: String) -> JobOperand {
        guard let first = text.first, first.isASCII, first.isNumber else { return .destination(text) }
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        var rest = Substring(text.dropFirst(digits.count))
        var isArray = false
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return .malformed(text) }
            isArray = true
            rest = rest[rest.index(after: close)...]
        }
        var serverPart: Substring?
        if rest.hasPrefix(".") {
            let afterDot = rest.dropFirst()
            let name = afterDot.prefix { $0 != "@" }
            serverPart = name
            rest = afterDot.dropFirst(name.count)
        }
        if rest.hasPrefix("@") {
            rest = rest.dropFirst()
            guard !rest.isEmpty, isHostName(rest) else { return .malformed(text) }
            rest = ""
        }
        guard rest.isEmpty, let seq = Int(digits) else { return .malformed(text) }
        if let part = serverPart, part.isEmpty || !isHostName(part) { return .malformed(text) }
        let name = serverPart.map(String.init) ?? server
        let display = isArray ? text : "\(seq).\(name)"
        let ours = name == server || server.hasPrefix(name + ".") || name.hasPrefix(server + ".")
        return ours && !isArray ? .job(seq: seq, display: display) : .foreign(display: display)
    }

    private static func isHostName(_ text: Substring) -> Bool {
        text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }
}
