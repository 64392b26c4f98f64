/// A usage or value error of qsub: the message and exit code the real qsub gives.
struct QsubError: Error {
    var message: String
    var exitCode: Int32
}

/// qsub options from the command line or from `#PBS` directives.
struct QsubOptions {
    /// Letters seen, so the command line can override directives option by option.
    var seen: Set<Character> = []
    var name: String?
    var resources: [NamedValue] = []
    var variables: [NamedValue] = []
    var exportAll = false
    var join: String?
    var output: String?
    var error: String?
    var queue: String?
    var account: String?
    var project: String?
    var depend: String?
    var hold = false
    var rerunable: Bool?
    var priority: Int?
    var mailPoints: String?
    var mailUsers: String?
    var keep: String?
    var checkpoint: String?
    var quiet = false
    var directivePrefix: String?
    var operands: [String] = []
    /// True when the job is the command after `--` rather than a script.
    var commandMode = false

    static let usage = """
        usage: qsub [-a date_time] [-A account_string] [-c interval]
        \t[-C directive_prefix] [-e path] [-f ] [-h ] [-I [-X]] [-j o|e|n] [-J X-Y[:Z]]
        \t[-k keep] [-l resource_list] [-m mail_options] [-M user_list]
        \t[-N jobname] [-o path] [-p priority] [-P project] [-q queue] [-r y|n]
        \t[-R o|e|oe] [-S path] [-u user_list] [-W otherattributes=value...]
        \t[-v variable_list] [-V ] [-z] [script | -- command [arg1 ...]]
               qsub --version

        """

    static let withValue: Set<Character> = Set("aAcCeJjklmMNopPqrRSuvW")
    static let flags: Set<Character> = Set("fhIVzX")

    /// Parses options getopt-style (`-Nname` or `-N name`, grouped flags); operands end the options.
    static func parse(_ arguments: [String], directive: Bool) throws(QsubError) -> QsubOptions {
        var options = QsubOptions()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                guard !directive else { break }
                options.commandMode = true
                options.operands = Array(arguments[index...])
                guard !options.operands.isEmpty else { throw usageError() }
                return options
            }
            guard argument.hasPrefix("-"), argument.count > 1 else {
                guard !directive else { break }
                options.operands = Array(arguments[(index - 1)...])
                // Like getopt: options after the script name are not options.
                return options
            }
            var letters = Substring(argument.dropFirst())
            while let letter = letters.first {
                letters = letters.dropFirst()
                if flags.contains(letter) {
                    try options.applyFlag(letter)
                    continue
                }
                guard withValue.contains(letter) else { throw usageError() }
                guard let value = optionValue(&letters, arguments, &index) else { throw usageError() }
                try options.apply(letter, value)
            }
        }
        return options
    }

    static func usageError() -> QsubError {
        QsubError(message: usage, exitCode: 2)
    }

    private mutating func applyFlag(_ letter: Character) throws(QsubError) {
        seen.insert(letter)
        switch letter {
        case "h": hold = true
        case "V": exportAll = true
        case "z": quiet = true
        case "f", "X": break
        default:
            throw QsubError(message: "qsub: -\(letter) (interactive jobs) is not emulated by pbs-emu\n", exitCode: 2)
        }
    }

    private mutating func apply(_ letter: Character, _ value: String) throws(QsubError) {
        seen.insert(letter)
        switch letter {
        case "N":
            guard !value.isEmpty, !value.contains(where: { $0.isWhitespace || $0 == "/" }) else {
                throw QsubError(message: "qsub: illegal -N value\n", exitCode: 2)
            }
            name = value
        case "l":
            for item in Self.splitTopLevel(value) where !item.isEmpty {
                guard let equals = item.firstIndex(of: "=") else {
                    throw QsubError(message: "qsub: illegal -l value\n", exitCode: 2)
                }
                let key = String(item[..<equals])
                resources.removeAll { $0.name == key }
                resources.append(NamedValue(key, String(item[item.index(after: equals)...])))
            }
        case "v":
            guard !value.contains("\"") else {
                throw QsubError(message: "qsub: illegal -v value\n", exitCode: 1)
            }
            for item in Self.splitTopLevel(value) where !item.isEmpty {
                if let equals = item.firstIndex(of: "=") {
                    let key = String(item[..<equals])
                    variables.removeAll { $0.name == key }
                    variables.append(NamedValue(key, Self.unquote(String(item[item.index(after: equals)...]))))
                } else {
                    variables.removeAll { $0.name == item }
                    variables.append(NamedValue(item, "\u{0}"))
                }
            }
        case "j":
            guard ["oe", "eo", "n", "o", "e"].contains(value) else {
                throw QsubError(message: "qsub: illegal -j value\n", exitCode: 2)
            }
            join = value
        case "o": output = value
        case "e": error = value
        case "q":
            // `queue`, `queue@server`, or `@server` for the server's default queue.
            let name = value.prefix { $0 != "@" }
            queue = name.isEmpty ? nil : String(name)
        case "A": account = value
        case "P": project = value
        case "W":
            if value.hasPrefix("depend=") {
                depend = String(value.dropFirst("depend=".count))
            }
        case "r":
            guard value == "y" || value == "n" else {
                throw QsubError(message: "qsub: illegal -r value\n", exitCode: 2)
            }
            rerunable = value == "y"
        case "p":
            guard let number = Int(value), (-1024...1023).contains(number) else {
                throw QsubError(message: "qsub: illegal -p value\n", exitCode: 2)
            }
            priority = number
        case "m": mailPoints = value
        case "M": mailUsers = value
        case "k": keep = value
        case "c": checkpoint = value
        case "C": directivePrefix = value
        case "J":
            throw QsubError(message: "qsub: job arrays (-J) are not emulated by pbs-emu\n", exitCode: 2)
        case "a":
            throw QsubError(message: "qsub: deferred start (-a) is not emulated by pbs-emu\n", exitCode: 2)
        default:
            break // -S, -u, -R: accepted and ignored.
        }
    }

    /// Command-line options win; directives fill in what the command line did not give.
    func overriding(_ directives: QsubOptions) -> QsubOptions {
        var merged = directives
        merged.seen.formUnion(seen)
        func pick<T>(_ letter: Character, _ mine: T?, _ theirs: T?) -> T? {
            seen.contains(letter) ? mine : theirs
        }
        merged.name = pick("N", name, directives.name)
        for resource in resources {
            merged.resources.removeAll { $0.name == resource.name }
            merged.resources.append(resource)
        }
        for variable in variables {
            merged.variables.removeAll { $0.name == variable.name }
            merged.variables.append(variable)
        }
        merged.exportAll = exportAll || directives.exportAll
        merged.join = pick("j", join, directives.join)
        merged.output = pick("o", output, directives.output)
        merged.error = pick("e", error, directives.error)
        merged.queue = pick("q", queue, directives.queue)
        merged.account = pick("A", account, directives.account)
        merged.project = pick("P", project, directives.project)
        merged.depend = pick("W", depend, directives.depend) ?? depend ?? directives.depend
        merged.hold = hold || directives.hold
        merged.rerunable = pick("r", rerunable, directives.rerunable)
        merged.priority = pick("p", priority, directives.priority)
        merged.mailPoints = pick("m", mailPoints, directives.mailPoints)
        merged.mailUsers = pick("M", mailUsers, directives.mailUsers)
        merged.keep = pick("k", keep, directives.keep)
        merged.checkpoint = pick("c", checkpoint, directives.checkpoint)
        merged.quiet = quiet
        merged.operands = operands
        merged.commandMode = commandMode
        return merged
    }

    /// Splits at commas outside single or double quotes.
    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                current.append(character)
            } else if character == "," {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }

    static func unquote(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first else {
            return text
        }
        return String(text.dropFirst().dropLast())
    }

    /// Shell-like words of a directive line; stops at an unquoted `#`.
    static func words(_ line: Substring) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else if character == "#" && !inWord {
                break
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// The `#PBS` directives of a script: lines before the first command line, as one argument list.
    static func directiveArguments(script: String, prefix: String) -> [String] {
        var arguments: [String] = []
        for (number, rawLine) in script.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if number == 0 && line.hasPrefix("#!") { continue }
            if line.hasPrefix(prefix) {
                let rest = line.dropFirst(prefix.count)
                guard rest.first.map({ $0 == " " || $0 == "\t" }) ?? false else { continue }
                arguments += words(rest)
            } else if line.isEmpty || line.hasPrefix("#") {
                continue
            } else {
                break
            }
        }
        return arguments
    }
}
