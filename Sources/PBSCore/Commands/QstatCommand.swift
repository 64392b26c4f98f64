/// qstat: ONE invocation for any number of tracked jobs, and the interpretation of what it printed.
///
/// Plans per dialect (see docs/pbs-layer.md for the measurements behind them):
/// - OpenPBS / PBS Pro: text `qstat -f -x id1 id2 ...`. Not JSON: `qstat -f -F json id1 id2` prints only the
///   first job (openpbs#2672), while text `-f` with several ids prints all of them; unknown ids give
///   `qstat: Unknown Job Id X` on stderr and exit 153 with the other jobs still printed. `-x` includes
///   finished jobs (history), so an ending job is seen as `F` with its exit status instead of vanishing.
///   Without history (`history: false`, for servers without `job_history_enable`) finished jobs give
///   `X Job has finished` and exit 35; they are answered `.unknown`.
/// - Torque: `qstat -x id ...` (XML). Completed jobs vanish after `keep_completed`: a missing id is `.unknown`.
/// - Slurm's wrapper: `qstat -f id ...` with bare numeric ids (`12.host` matches nothing there). Unknown ids
///   are skipped silently, so a missing id is `.unknown`; exit 153 with empty stdout and stderr means none
///   of the ids is known.
///
/// A failed call (timeout, spawn failure, server down, unexpected exit code, unparseable or oversized output)
/// is `.failed` and says nothing about any job. Partial output is parsed, not thrown away.
public enum QstatCommand {
    /// Plans one qstat for `ids` (duplicates ignored, order kept). `history` applies to OpenPBS only.
    public static func plan(ids: [String], dialect: PBSDialect, history: Bool = true) -> QstatQuery {
        var seen = Set<String>()
        let asked = ids.filter { seen.insert($0).inserted }
        let valid = asked.filter(PBSJobID.isValid)
        let malformed = asked.filter { !PBSJobID.isValid($0) }
        let format = format(for: dialect)
        var plan: PBSCommandPlan?
        if !valid.isEmpty {
            switch dialect {
            case .openpbs:
                plan = PBSCommandPlan(tool: .qstat, arguments: ["-f"] + (history ? ["-x"] : []) + valid)
            case .torque:
                plan = PBSCommandPlan(tool: .qstat, arguments: ["-x"] + valid)
            case .slurmWrapper:
                var seenBare = Set<String>()
                let bare = valid.map(PBSJobID.sequenceNumber).filter { seenBare.insert($0).inserted }
                plan = PBSCommandPlan(tool: .qstat, arguments: ["-f"] + bare)
            }
        }
        return QstatQuery(
            dialect: dialect, plan: plan, format: format, askedIDs: asked, malformedIDs: malformed,
            includesHistory: dialect == .openpbs && history
        )
    }

    /// Plans one qstat that lists every job the server shows (all users), for adoption after a crash.
    ///
    /// No `-u user`: OpenPBS does not document `-u` with `-f`, and Slurm's wrapper switches to its one-line
    /// format when `-u` is given even with `-f`. Filter by owner with `interpretListing(_:for:owner:)`.
    public static func listPlan(dialect: PBSDialect, history: Bool = true) -> QstatQuery {
        let arguments: [String]
        switch dialect {
        case .openpbs: arguments = ["-f"] + (history ? ["-x"] : [])
        case .torque: arguments = ["-x"]
        case .slurmWrapper: arguments = ["-f"]
        }
        return QstatQuery(
            dialect: dialect, plan: PBSCommandPlan(tool: .qstat, arguments: arguments), format: format(for: dialect),
            askedIDs: [], malformedIDs: [], includesHistory: dialect == .openpbs && history
        )
    }

    /// The output format each dialect's plan produces.
    public static func format(for dialect: PBSDialect) -> QstatFormat {
        dialect == .torque ? .torqueXML : .pbsText
    }

    /// Interprets the outcome of `query.plan`. Every asked id is a key of an `.answered` result.
    /// When `query.plan` is nil, pass no outcome (the answer is then `.unknown` for malformed ids only).
    public static func interpret(_ outcome: CommandOutcome?, for query: QstatQuery) -> PBSQueryResult {
        var answer: [String: PBSJobObservation] = [:]
        for id in query.malformedIDs { answer[id] = .unknown }
        guard query.plan != nil else { return .answered(answer) }
        guard let outcome else {
            return .failed(PBSQueryFailure(kind: .commandFailed, message: "qstat was planned but not run"))
        }
        if let failure = commonFailure(outcome, dialect: query.dialect) { return .failed(failure) }
        let code = outcome.exitCode ?? -1
        let sent = query.askedIDs.filter(PBSJobID.isValid)

        // Exit codes under which stdout and stderr still describe the jobs.
        switch query.dialect {
        case .openpbs, .torque:
            guard code == 0 || code == 153 || code == 35 else {
                return .failed(unexpectedExit(outcome))
            }
        case .slurmWrapper:
            if code == 153 {
                guard outcome.standardOutput.allSatisfy(isBlank), outcome.standardError.allSatisfy(isBlank) else {
                    return .failed(unexpectedExit(outcome))
                }
                for id in sent { answer[id] = .unknown }
                return .answered(answer)
            }
            guard code == 0 else { return .failed(unexpectedExit(outcome)) }
        }

        let jobs: [PBSJob]
        switch parse(outcome, format: query.format) {
        case .success(let parsed): jobs = parsed
        case .failure(let failure): return .failed(failure)
        }
        let matches = PBSJobID.match(asked: sent, printed: jobs.map(\.id))
        var byID: [String: PBSJob] = [:]
        for job in jobs where byID[job.id] == nil { byID[job.id] = job }
        let errors = ErrorLines(outcome.stderrText, asked: sent)
        let reportedGone = errors.ids(.unknown).union(errors.ids(.finished))

        for id in sent {
            if let printed = matches[id], let job = byID[printed] {
                answer[id] = .found(job)
            } else if reportedGone.contains(id) {
                answer[id] = .unknown
            } else if query.dialect == .openpbs {
                // OpenPBS names every id it cannot show; silence about an id means the output is not what we
                // think it is, and "unknown" could get a live job resubmitted.
                return .failed(PBSQueryFailure(
                    kind: .badOutput,
                    message: "qstat neither printed job \(id) nor reported it unknown: \(outcome.summary)"
                ))
            } else {
                // Torque drops completed jobs after keep_completed; Slurm skips unknown ids silently.
                answer[id] = .unknown
            }
        }
        return .answered(answer)
    }

    /// Interprets the outcome of `listPlan`: every job printed, optionally only those of `owner`
    /// (`Job_Owner` is `user@host`; the part before `@` is compared).
    public static func interpretListing(
        _ outcome: CommandOutcome, for query: QstatQuery, owner: String? = nil
    ) -> Result<[PBSJob], PBSQueryFailure> {
        if let failure = commonFailure(outcome, dialect: query.dialect) { return .failure(failure) }
        let code = outcome.exitCode ?? -1
        if query.dialect == .slurmWrapper, code == 153,
           outcome.standardOutput.allSatisfy(isBlank), outcome.standardError.allSatisfy(isBlank) {
            return .success([])  // Slurm's wrapper: empty queue.
        }
        guard code == 0 else { return .failure(unexpectedExit(outcome)) }
        return parse(outcome, format: query.format).map { jobs in
            guard let owner else { return jobs }
            return jobs.filter { job in
                guard let jobOwner = job.owner else { return false }
                return jobOwner.split(separator: "@", maxSplits: 1).first.map(String.init) == owner
            }
        }
    }

    /// Failures shared by queries and listings: abnormal termination and server-down answers.
    static func commonFailure(_ outcome: CommandOutcome, dialect: PBSDialect) -> PBSQueryFailure? {
        switch outcome.termination {
        case .exited(let code):
            let stderr = outcome.stderrText
            let down: Bool
            switch dialect {
            case .openpbs: down = code == 255 || code == 162 || (code != 0 && CommandText.mentionsServerDown(stderr))
            case .torque: down = code != 0 && CommandText.mentionsServerDown(stderr)
            case .slurmWrapper: down = code == 8 || (code != 0 && CommandText.mentionsServerDown(stderr))
            }
            guard down else { return nil }
            return PBSQueryFailure(
                kind: .serverDown, message: "the PBS server could not be reached: \(outcome.summary)")
        case .timedOut, .cancelled:
            return PBSQueryFailure(kind: .timeout, message: outcome.summary)
        case .outputTooLarge:
            return PBSQueryFailure(kind: .badOutput, message: outcome.summary)
        case .signaled, .launchFailed:
            return PBSQueryFailure(kind: .commandFailed, message: outcome.summary)
        }
    }

    private static func parse(_ outcome: CommandOutcome, format: QstatFormat) -> Result<[PBSJob], PBSQueryFailure> {
        if outcome.standardOutput.allSatisfy(isBlank) { return .success([]) }
        do {
            return .success(try QstatParser.parse(outcome.standardOutput, format: format))
        } catch {
            return .failure(PBSQueryFailure(
                kind: .badOutput, message: "cannot parse the output of `\(outcome.commandDescription)`: \(error)"
            ))
        }
    }

    private static func unexpectedExit(_ outcome: CommandOutcome) -> PBSQueryFailure {
        PBSQueryFailure(kind: .commandFailed, message: "qstat failed: \(outcome.summary)")
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}
