extension Emulator {
    static let qselectUsage = """
        usage: qselect [-a [op]date_time] [-A account_string] [-c [op]interval]
        \t[-h hold_list] [-H] [-J] [-l resource_list] [-N name] [-p [op]priority]
        \t[-q destination] [-r y|n] [-s states] [-t subopt[op]date_time] [-T] [-P project_name]
        \t[-x] [-u user_name]
               qselect --version

        """

    /// One selection criterion of qselect; a job is printed when it meets all of them (`select_job` in
    /// OpenPBS's src/server/req_select.c).
    private enum QselectCriterion {
        /// `-s [.op]states`: whether the state letter is in the set, compared with the operator.
        case states(String, QselectOperator)
        /// `-u user[@host][,...]`.
        case users([String])
        /// `-N name`: the exact job name.
        case name(String)
        case account(String)
        case project(String)
        case rerunable(Bool)
        /// `-J`: array jobs only; pbs-emu has none.
        case arrays
    }

    /// qselect's `.eq.`-style operators. For states the server compares "in the set" as equal and "not in the
    /// set" as greater (`comp_state`), so `.ne.`, `.gt.` and `.ge.` select the states not listed.
    private enum QselectOperator: String {
        case eq, ne, ge, gt, le, lt

        func accepts(inSet: Bool) -> Bool {
            switch self {
            case .eq, .le: inSet
            case .ne, .gt: !inSet
            case .ge: true
            case .lt: false
            }
        }
    }

    /// A refused command line and what qselect prints for it.
    private struct QselectRefusal: Error {
        var output: CommandOutput
    }

    private struct QselectRequest {
        var criteria: [QselectCriterion] = []
        var history = false
        var queue: String?
    }

    /// `qselect`: the ids of the jobs that meet every criterion, one per line, in the server's order; finished
    /// jobs only with `-x` (or `-H`, which selects only them). Options that select by time, resources,
    /// priority or holds are not emulated (exit 2).
    public func qselect(_ arguments: [String]) -> CommandOutput {
        if arguments.contains("--version") {
            return CommandOutput(stdout: "pbs_version = \(QstatJSONFormatter.pbsVersion)\n")
        }
        let faults: FaultSettings
        do { faults = try enter("qselect") } catch { return Self.failure("qselect", error) }
        let request: QselectRequest
        switch Self.parseQselect(arguments) {
        case .success(let parsed): request = parsed
        case .failure(let refusal): return refusal.output
        }
        if faults.serverDown { return serverDown("qselect") }
        // The client library checks state letters before the request is sent (`verify_value_state` in
        // src/lib/Libecl); qselect then says which option was wrong.
        for case let .states(letters, _) in request.criteria
        where letters.isEmpty || !letters.allSatisfy({ "EHQRTWSUBXFM".contains($0) }) {
            return CommandOutput(stderr: "qselect: illegal -s value\n" + Self.qselectUsage, exitCode: 2)
        }
        do {
            return try store.withLockedState(write: false) { state in
                if let queue = request.queue, !state.config.knownQueues.contains(queue),
                   !state.jobs.contains(where: { $0.queue == queue }) {
                    // PBSE_UNKQUE from build_selist, reported with the attribute's name (`destination`).
                    return CommandOutput(stderr: "qselect: Unknown queue destination\n", exitCode: 170)
                }
                if request.history && faults.noHistory {
                    // PBSE_JOBHISTNOTSET: qselect prints the message and still exits 0 (qselect.c).
                    return CommandOutput(stderr: "qselect: PBS is not configured to maintain job history\n")
                }
                let ids = state.jobs
                    .filter { !Self.isHidden($0, faults: faults) && (request.history || !$0.isFinished) }
                    .filter { request.queue == nil || $0.queue == request.queue }
                    .filter { job in request.criteria.allSatisfy { Self.job(job, meets: $0) } }
                    .map { "\(context.jobID($0.seq))\n" }
                return CommandOutput(stdout: ids.joined())
            }
        } catch {
            return Self.failure("qselect", error)
        }
    }

    private static func job(_ job: EmulatedJob, meets criterion: QselectCriterion) -> Bool {
        switch criterion {
        case let .states(letters, op): op.accepts(inSet: job.state.first.map(letters.contains) ?? false)
        case let .users(users): ownerMatches("\(job.user)@\(job.submitHost)", users)
        case let .name(name): job.name == name
        case let .account(account): job.account == account
        case let .project(project): job.project == project
        case let .rerunable(flag): job.rerunable == flag
        case .arrays: false
        }
    }

    /// getopt over qselect's `a:A:c:h:HJl:N:p:q:r:s:t:Tu:xP:`; operands are a usage error.
    private static func parseQselect(_ arguments: [String]) -> Result<QselectRequest, QselectRefusal> {
        let usage = QselectRefusal(output: CommandOutput(stderr: qselectUsage, exitCode: 2))
        var request = QselectRequest()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                guard index == arguments.count else { return .failure(usage) }
                break
            }
            guard argument.hasPrefix("-"), argument.count > 1 else { return .failure(usage) }
            var letters = Substring(argument.dropFirst())
            while let letter = letters.first {
                letters = letters.dropFirst()
                switch letter {
                case "x": request.history = true
                case "H":
                    request.history = true
                    request.criteria.append(.states("FM", .eq))
                case "T": break // Subjobs: pbs-emu has no arrays.
                case "J": request.criteria.append(.arrays)
                case "A", "N", "P", "q", "r", "s", "u":
                    guard let value = optionValue(&letters, arguments, &index) else { return .failure(usage) }
                    switch letter {
                    case "A": request.criteria.append(.account(value))
                    case "N": request.criteria.append(.name(value))
                    case "P": request.criteria.append(.project(value))
                    case "q":
                        // `queue`, `queue@server` or `@server` (every queue).
                        let queue = String(value.prefix { $0 != "@" })
                        request.queue = queue.isEmpty ? nil : queue
                    case "r":
                        let flag = value.drop { $0 == " " || $0 == "\t" }.first
                        guard flag == "y" || flag == "n" else {
                            return .failure(QselectRefusal(output: CommandOutput(
                                stderr: "qselect: illegal -r value\n" + qselectUsage, exitCode: 2)))
                        }
                        request.criteria.append(.rerunable(flag == "y"))
                    case "s":
                        let (op, states) = operatorValue(value)
                        request.criteria.append(.states(states, op))
                    default:
                        // The client library refuses an empty user list (PBSE_BADATVAL): "illegal -u value".
                        guard !value.isEmpty else {
                            return .failure(QselectRefusal(output: CommandOutput(
                                stderr: "qselect: illegal -u value\n" + qselectUsage, exitCode: 2)))
                        }
                        request.criteria.append(.users(value.split(separator: ",").map(String.init)))
                    }
                case "a", "c", "h", "l", "p", "t":
                    return .failure(QselectRefusal(output: CommandOutput(
                        stderr: "qselect: -\(letter) is not emulated by pbs-emu\n", exitCode: 2)))
                default:
                    return .failure(usage)
                }
            }
        }
        return .success(request)
    }

    /// qselect.c's `check_op`: a leading `.eq.`, `.ne.`, `.ge.`, `.gt.`, `.le.` or `.lt.` sets the operator
    /// (EQ otherwise); any leading `.` drops four characters.
    private static func operatorValue(_ text: String) -> (QselectOperator, String) {
        guard text.hasPrefix(".") else { return (.eq, text) }
        let op = QselectOperator(rawValue: String(text.dropFirst().prefix(2))) ?? .eq
        return (op, String(text.dropFirst(4)))
    }
}
