/// qsub: builds argv from a `SubmitRequest` and reads the job id out of the outcome.
///
/// The argv is the same for every dialect: OpenPBS, Torque and Slurm's `qsub` wrapper all take `-N`, `-l`,
/// `-v`, `-W depend=`, `-j oe`, `-o`, `-e`, `-q`, `-A`. Resources go into a single `-l` because Slurm's
/// wrapper keeps only the last `-l`.
public enum QsubCommand {
    /// Validates `request` and returns the qsub plan.
    ///
    /// Refused: control characters (newline, tab, ...) anywhere; empty values; `-v` names that are not shell
    /// identifiers; commas in `-v` values (PBS splits the list on commas) and quotes in them (OpenPBS rejects a
    /// double quote, and both quote kinds are parsed by qsub); commas inside one resource entry; dependency ids
    /// that are not job ids; a script path starting with `-` (qsub would read it as an option).
    public static func plan(for request: SubmitRequest) throws(PBSCommandError) -> PBSCommandPlan {
        var arguments: [String] = []
        if let name = request.name {
            try check(name, what: "job name (-N)")
            arguments += ["-N", name]
        }
        if !request.resources.isEmpty {
            for resource in request.resources {
                try check(resource, what: "resource (-l)")
                if resource.contains(",") {
                    throw invalid("resource (-l) \"\(resource)\" contains a comma; give each resource separately")
                }
            }
            arguments += ["-l", request.resources.joined(separator: ",")]
        }
        if !request.variables.isEmpty {
            var pairs: [String] = []
            for name in request.variables.keys.sorted() {
                let value = request.variables[name] ?? ""
                try checkVariable(name: name, value: value)
                pairs.append("\(name)=\(value)")
            }
            arguments += ["-v", pairs.joined(separator: ",")]
        }
        if let dependency = request.dependency {
            guard !dependency.jobIDs.isEmpty else { throw invalid("dependency \(dependency.kind) lists no job id") }
            for id in dependency.jobIDs where !PBSJobID.isValid(id) {
                throw invalid("dependency job id \"\(printable(id))\" is not a job id")
            }
            arguments += ["-W", "depend=\(dependency.kind.rawValue):\(dependency.jobIDs.joined(separator: ":"))"]
        }
        if request.joinOutput { arguments += ["-j", "oe"] }
        if let path = request.outputPath {
            try check(path, what: "output path (-o)")
            arguments += ["-o", path]
        }
        if let path = request.errorPath {
            try check(path, what: "error path (-e)")
            arguments += ["-e", path]
        }
        if let queue = request.queue {
            try check(queue, what: "queue (-q)")
            arguments += ["-q", queue]
        }
        if let account = request.account {
            try check(account, what: "account (-A)")
            arguments += ["-A", account]
        }
        for argument in request.extraArguments {
            try check(argument, what: "extra qsub argument")
        }
        arguments += request.extraArguments
        switch request.script {
        case .path(let path):
            try check(path, what: "script path")
            if path.hasPrefix("-") {
                throw invalid("script path \"\(path)\" starts with \"-\" and would be read as an option; use ./\(path)")
            }
            arguments.append(path)
            return PBSCommandPlan(tool: .qsub, arguments: arguments)
        case .contents(let bytes):
            guard !bytes.isEmpty else { throw invalid("the job script is empty") }
            return PBSCommandPlan(tool: .qsub, arguments: arguments, standardInput: bytes)
        }
    }

    /// The job id from a qsub outcome, exactly as printed (`4.server`, `6[].server`, `1234`).
    ///
    /// Success needs exit code 0 AND a first stdout line shaped like a job id: Slurm's wrapper prints its
    /// errors on stdout with exit 1, so stdout alone is never trusted.
    public static func interpret(_ outcome: CommandOutcome) -> Result<String, PBSCommandError> {
        if let failure = abnormalEnd(outcome, tool: "qsub") { return .failure(failure) }
        let code = outcome.exitCode ?? -1
        guard code == 0 else {
            let all = outcome.stdoutText + "\n" + outcome.stderrText
            let kind: PBSCommandError.Kind = code == 162 || CommandText.mentionsServerDown(all)
                ? .serverDown : .rejected
            let message = kind == .serverDown
                ? "qsub could not reach the PBS server" : "qsub refused the job"
            return .failure(PBSCommandError(kind: kind, message: message, outcome: outcome))
        }
        let firstLine = CommandText.lines(outcome.stdoutText).first ?? ""
        guard PBSJobID.isValid(firstLine) else {
            let message = firstLine.isEmpty
                ? "qsub exited 0 but printed no job id"
                : "qsub exited 0 but its first line \"\(CommandText.excerpt(firstLine, limit: 80))\" is not a job id"
            return .failure(PBSCommandError(kind: .badOutput, message: message, outcome: outcome))
        }
        return .success(firstLine)
    }

    /// The error for a command that did not exit on its own (timeout, signal, cap, spawn failure), or nil.
    static func abnormalEnd(_ outcome: CommandOutcome, tool: String) -> PBSCommandError? {
        switch outcome.termination {
        case .exited:
            return nil
        case .timedOut, .cancelled:
            return PBSCommandError(kind: .timeout, message: "\(tool) did not finish", outcome: outcome)
        case .launchFailed:
            return PBSCommandError(kind: .launchFailed, message: "\(tool) could not be started", outcome: outcome)
        case .signaled, .outputTooLarge:
            return PBSCommandError(kind: .badOutput, message: "\(tool) ended abnormally", outcome: outcome)
        }
    }

    private static func check(_ value: String, what: String) throws(PBSCommandError) {
        guard !value.isEmpty else { throw invalid("\(what) is empty") }
        if let bad = CommandText.firstControlCharacter(in: value) {
            throw invalid("\(what) \"\(printable(value))\" contains \(bad)")
        }
    }

    private static func checkVariable(name: String, value: String) throws(PBSCommandError) {
        let bytes = Array(name.utf8)
        let isIdentifier = !bytes.isEmpty && !(bytes[0] >= 0x30 && bytes[0] <= 0x39) && bytes.allSatisfy {
            ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F
        }
        guard isIdentifier else {
            throw invalid("variable name \"\(printable(name))\" (-v) is not a valid name ([A-Za-z_][A-Za-z0-9_]*)")
        }
        if let bad = CommandText.firstControlCharacter(in: value) {
            throw invalid("value of variable \(name) (-v) contains \(bad)")
        }
        if value.contains(",") {
            throw invalid("value of variable \(name) (-v) \"\(value)\" contains a comma; PBS splits -v on commas")
        }
        if value.contains("\"") || value.contains("'") {
            throw invalid("value of variable \(name) (-v) \"\(value)\" contains a quote, which qsub parses or rejects")
        }
    }

    private static func invalid(_ message: String) -> PBSCommandError {
        PBSCommandError(kind: .invalidRequest, message: message)
    }

    /// `value` with control characters shown as `\u{..}` so an error message stays on one line.
    static func printable(_ value: String) -> String {
        var result = ""
        for scalar in value.unicodeScalars {
            if CommandText.isControl(scalar) {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
