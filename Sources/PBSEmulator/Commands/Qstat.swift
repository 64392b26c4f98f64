extension Emulator {
    static let qstatUsage = """
        usage:
        qstat [-f] [-J] [-p] [-t] [-x] [-E] [-F format] [-D delim] [ job_identifier... | destination... ]
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
        var user: String?
        var operands: [String] = []
    }

    /// `qstat`: the plain table, `-f` text, `-f -F json`, `-x` history, `-u user`, `--version`.
    public func qstat(_ arguments: [String]) -> CommandOutput {
        if arguments.contains("--version") {
            return CommandOutput(stdout: "pbs_version = \(QstatJSONFormatter.pbsVersion)\n")
        }
        let faults: FaultSettings
        do { faults = try enter("qstat") } catch { return Self.failure("qstat", error) }
        guard let request = Self.parseQstat(arguments) else {
            return CommandOutput(stderr: Self.qstatUsage, exitCode: 2)
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

    private static func parseQstat(_ arguments: [String]) -> QstatRequest? {
        var request = QstatRequest()
        var index = 0
        var formatGiven: String?
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
                case "x", "H": request.history = true
                case "t", "w", "E", "J": break
                case "F", "u", "D":
                    guard let value = optionValue(&letters, arguments, &index) else { return nil }
                    if letter == "F" { formatGiven = value.lowercased() }
                    if letter == "u" { request.user = value }
                default:
                    return nil
                }
            }
        }
        if let format = formatGiven {
            // Only JSON is emulated; dsv and unknown formats are usage errors here.
            guard format == "json" else { return nil }
            request.json = true
        }
        if request.json && request.user != nil { return nil }
        return request
    }

    private func envelope(_ jobs: [JobStatus]) -> String {
        QstatJSONFormatter.envelope(jobs: jobs, server: context.serverName, timestamp: Int(Self.now()))
    }

    private func render(_ request: QstatRequest, state: EmulatorState, faults: FaultSettings) -> CommandOutput {
        let now = Self.now()
        let server = context.serverName
        func status(_ job: EmulatedJob) -> JobStatus {
            JobAttributes.status(of: job, in: state, server: server, now: now)
        }
        var found: [JobStatus] = []
        var errors = ""
        var exitCode: Int32 = 0
        if request.operands.isEmpty {
            found = state.jobs
                .filter { !Self.isHidden($0, faults: faults) && (request.history || !$0.isFinished) }
                .filter { request.user == nil || $0.user == request.user }
                .map(status)
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
                found += state.jobs
                    .filter { $0.queue == queue && !Self.isHidden($0, faults: faults) }
                    .filter { request.history || !$0.isFinished }
                    .map(status)
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
        if request.json {
            // openpbs#2672: with several ids only the first job found is printed, and nothing else is said.
            if request.operands.count > 1, let first = found.first {
                return CommandOutput(stdout: envelope([first]))
            }
            return CommandOutput(stdout: envelope(found), stderr: errors, exitCode: exitCode)
        }
        let text = request.full ? QstatTextFormatter.full(found) : QstatTextFormatter.table(found)
        return CommandOutput(stdout: text, stderr: errors, exitCode: exitCode)
    }
}
