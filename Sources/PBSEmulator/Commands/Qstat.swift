extension Emulator {
    /// qstat.c's usage text (23.06.06; its first line really ends with a space).
    static let qstatUsage = "usage: \n" + """
        qstat [-f] [-J] [-p] [-t] [-x] [-E] [-F format | -w] [-D delim] [ job_identifier... | destination... ]
        qstat [-a|-i|-r|-H|-T] [-J] [-t] [-u user] [-n] [-s] [-G|-M] [-1] [-w]
        \t[ job_identifier... | destination... ]
        qstat -Q [-f] [-F format] [-D delim] [ destination... ]
        qstat -q [-G|-M] [ destination... ]
        qstat -B [-f] [-F format] [-D delim] [ server_name... ]
        qstat --version

        """

    private struct QstatRequest {
        var full = false
        var history = false
        var json = false
        /// `-a`, `-u` or `-H`: the alternate table (qstat.c's `altdsp_statjob`), even together with `-f`.
        var alternate = false
        /// `-H`: only finished jobs in listings.
        var finishedOnly = false
        /// `-u user[@host][,...]`: a filter on listings (not on job ids).
        var users: [String]?
        var operands: [String] = []
    }

    /// Refused options: what qstat prints before the usage (nothing, or its complaints), exit 2.
    private struct QstatUsageError: Error {
        var messages = ""
    }

    /// `qstat`: the plain table, `-f` text, `-f -F json`, `-x` history, `-a`/`-u`/`-H` alternate table,
    /// `--version`.
    public func qstat(_ arguments: [String]) -> CommandOutput {
        if arguments.contains("--version") {
            return CommandOutput(stdout: "pbs_version = \(QstatJSONFormatter.pbsVersion)\n")
        }
        let faults: FaultSettings
        do { faults = try enter("qstat") } catch { return Self.failure("qstat", error) }
        let request: QstatRequest
        switch Self.parseQstat(arguments) {
        case .success(let parsed):
            request = parsed
        case .failure(let refusal):
            return CommandOutput(stderr: refusal.messages + Self.qstatUsage, exitCode: 2)
        }
        if faults.serverDown {
            var output = serverDown("qstat")
            if request.json { output.stdout = Array(envelope([]).utf8) }
            return output
        }
        if faults.garbage {
            let junk: [UInt8] = Array("Job Id: \u{1}\u{2}garbage{\"Jobs\":\t[[[ ".utf8) + [0, 0xFF, 0xFE, 0x80, 0x0A]
                + Array("    job_state = ?\u{7f}\n%%%%\n".utf8)
            return CommandOutput(bytes: junk)
        }
        var output: CommandOutput
        var needsServer = false
        do {
            output = try store.withLockedState(write: false) { state in
                needsServer = state.jobs.contains { !$0.isFinished }
                return render(request, state: state, faults: faults)
            }
        } catch {
            return Self.failure("qstat", error)
        }
        if needsServer { ensureServer() }
        if faults.truncate, !output.stdout.isEmpty {
            output.stdout = Array(output.stdout.prefix(max(1, output.stdout.count / 2)))
        }
        return output
    }

    /// Options as 23.06.06's qstat.c takes them (getopt, then "certain combinations are not allowed"):
    /// `-F json` without `-f` and two of `-a`/`-H` are "conflicting options", `-w` with `-F` is refused too.
    /// `-f` with `-u` (or `-a`, `-H`) is allowed and prints the alternate table; with `-F json` as well,
    /// 23.06.06 prints that table followed by the JSON envelope (openpbs#2676, made a conflict after 23.06).
    private static func parseQstat(_ arguments: [String]) -> Result<QstatRequest, QstatUsageError> {
        var request = QstatRequest()
        var index = 0
        var formatGiven: String?
        var alternateModes: Set<Character> = []
        var wide = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument.count > 1 else {
                request.operands.append(argument)
                continue
            }
            if argument == "--" {
                request.operands += arguments[index...]
                break
            }
            var letters = Substring(argument.dropFirst())
            while let letter = letters.first {
                letters = letters.dropFirst()
                switch letter {
                case "f": request.full = true
                case "x": request.history = true
                case "a":
                    request.alternate = true
                    alternateModes.insert("a")
                case "H":
                    request.alternate = true
                    request.history = true
                    request.finishedOnly = true
                    alternateModes.insert("H")
                case "w": wide = true
                case "t", "E", "J": break
                case "F", "u", "D":
                    guard let value = optionValue(&letters, arguments, &index) else {
                        return .failure(QstatUsageError())
                    }
                    if letter == "F" { formatGiven = value.lowercased() }
                    if letter == "u" {
                        request.alternate = true
                        request.users = (request.users ?? []) + value.split(separator: ",").map(String.init)
                    }
                default:
                    return .failure(QstatUsageError())
                }
            }
        }
        if let format = formatGiven {
            // Only JSON is emulated; dsv and unknown formats are usage errors here.
            guard format == "json" else { return .failure(QstatUsageError()) }
            request.json = true
        }
        var refusal = QstatUsageError()
        if alternateModes.count > 1 { refusal.messages += "qstat: conflicting options.\n" }
        if request.json && !request.full { refusal.messages += "qstat: conflicting options.\n" }
        if wide && request.json { refusal.messages += "qstat: option w cannot be used with -F\n" }
        return refusal.messages.isEmpty ? .success(request) : .failure(refusal)
    }

    /// True when `owner` (`user@host`) is one of `users` (`user` or `user@host`), as the server's `acl_check`
    /// matches a `-u` list.
    static func ownerMatches(_ owner: String, _ users: [String]) -> Bool {
        let ownerUser = owner.prefix { $0 != "@" }
        let ownerHost = owner.contains("@") ? String(owner.drop { $0 != "@" }.dropFirst()) : ""
        return users.contains { entry in
            let parts = entry.split(separator: "@", maxSplits: 1).map(String.init)
            guard parts.first.map({ $0 == ownerUser }) ?? false else { return false }
            guard parts.count == 2 else { return true }
            let host = parts[1]
            return host == ownerHost || host == "*" || (host.hasPrefix("*") && ownerHost.hasSuffix(host.dropFirst()))
        }
    }

    private func envelope(_ jobs: [QstatJob]) -> String {
        QstatJSONFormatter.envelope(jobs: jobs, server: context.serverName, timestamp: Int(Self.now()))
    }

    private func render(_ request: QstatRequest, state: EmulatorState, faults: FaultSettings) -> CommandOutput {
        let now = Self.now()
        let server = context.serverName
        func status(_ job: EmulatedJob) -> QstatJob {
            QstatAttributes.status(of: job, in: state, server: server, now: now)
        }
        var found: [QstatJob] = []
        var errors = ""
        var exitCode: Int32 = 0
        // A listing (no operand, or a queue) is the server's select: -u and -H filter it. Job ids are looked
        // up one by one and are shown whatever their owner or state (pbs_statjob in qstat.c).
        func listed(_ job: EmulatedJob) -> Bool {
            !Self.isHidden(job, faults: faults) && (request.history || !job.isFinished)
                && (!request.finishedOnly || job.isFinished)
                && (request.users.map { Self.ownerMatches("\(job.user)@\(job.submitHost)", $0) } ?? true)
        }
        if request.operands.isEmpty {
            found = state.jobs.filter(listed).map(status)
        }
        for operand in request.operands {
            switch JobOperand.parse(operand, server: server) {
            case .malformed(let text):
                errors += "qstat: illegally formed job identifier: \(text)\n"
                exitCode = 1
            case .destination(let queue):
                let known = state.config.knownQueues.contains(queue) || state.jobs.contains { $0.queue == queue }
                guard known else {
                    errors += "qstat: Unknown queue destination \(queue)\n"
                    exitCode = 170
                    continue
                }
                found += state.jobs.filter { $0.queue == queue && listed($0) }.map(status)
            case .foreign(let display):
                errors += "qstat: Unknown Job Id \(display)\n"
                exitCode = 153
            case let .job(seq, display):
                guard let job = state.jobs.first(where: { $0.seq == seq }), !Self.isHidden(job, faults: faults)
                else {
                    errors += "qstat: Unknown Job Id \(display)\n"
                    exitCode = 153
                    continue
                }
                if job.isFinished && !request.history {
                    errors += "qstat: \(display) Job has finished, use -x or -H to obtain historical job "
                        + "information\n"
                    exitCode = 35
                    continue
                }
                found.append(status(job))
            }
        }
        if request.json && request.alternate {
            // openpbs#2676 in 23.06.06: the alternate table is printed, then the envelope without the jobs.
            return CommandOutput(stdout: QstatTextFormatter.alternate(found, server: server) + envelope([]),
                                 stderr: errors, exitCode: exitCode)
        }
        if request.json {
            // openpbs#2672: with several ids only the first job found is printed, and nothing else is said.
            if request.operands.count > 1, let first = found.first {
                return CommandOutput(stdout: envelope([first]))
            }
            return CommandOutput(stdout: envelope(found), stderr: errors, exitCode: exitCode)
        }
        let text = request.alternate ? QstatTextFormatter.alternate(found, server: server)
            : request.full ? QstatTextFormatter.full(found) : QstatTextFormatter.table(found)
        return CommandOutput(stdout: text, stderr: errors, exitCode: exitCode)
    }
}
