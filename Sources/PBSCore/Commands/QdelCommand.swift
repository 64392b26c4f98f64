/// qdel: one process for any number of ids, and a verdict per id.
///
/// OpenPBS/Torque print one stderr line per id that failed (`qdel: Unknown Job Id X` 153,
/// `qdel: Job has finished X` 35) and say nothing about ids they deleted. Slurm's wrapper exits with the
/// number of ids that failed, is silent for finished and unknown ids, and prints errors on stdout
/// (`qdel: Kill job error on job id N: ...`).
public enum QdelCommand {
    /// The qdel plan for `ids` (duplicates dropped; Slurm gets bare numeric ids). Nil when there is nothing to
    /// delete. Ids without a job-id shape are not sent; `interpret` reports them as `.failed(invalidRequest)`.
    public static func plan(ids: [String], dialect: PBSDialect) -> PBSCommandPlan? {
        var seen = Set<String>()
        var arguments: [String] = []
        for id in ids where PBSJobID.isValid(id) {
            let argument = dialect == .slurmWrapper ? PBSJobID.sequenceNumber(id) : id
            if seen.insert(argument).inserted { arguments.append(argument) }
        }
        return arguments.isEmpty ? nil : PBSCommandPlan(tool: .qdel, arguments: arguments)
    }

    /// A verdict for every id in `ids` (the same list given to `plan`). Pass nil when the plan was nil.
    public static func interpret(
        _ outcome: CommandOutcome?, ids: [String], dialect: PBSDialect
    ) -> [String: PBSDeleteVerdict] {
        var verdicts: [String: PBSDeleteVerdict] = [:]
        let valid = ids.filter(PBSJobID.isValid)
        for id in ids where !PBSJobID.isValid(id) {
            verdicts[id] = .failed(PBSCommandError(
                kind: .invalidRequest, message: "\"\(QsubCommand.printable(id))\" is not a job id; not sent to qdel"
            ))
        }
        guard !valid.isEmpty else { return verdicts }
        guard let outcome else {
            for id in valid {
                verdicts[id] = .failed(PBSCommandError(kind: .launchFailed, message: "qdel was planned but not run"))
            }
            return verdicts
        }
        func failAll(_ error: PBSCommandError) -> [String: PBSDeleteVerdict] {
            for id in valid { verdicts[id] = .failed(error) }
            return verdicts
        }
        if let error = QsubCommand.abnormalEnd(outcome, tool: "qdel") { return failAll(error) }
        let code = outcome.exitCode ?? -1
        if code == 0 {
            for id in valid { verdicts[id] = .deleted }
            return verdicts
        }
        let printed = outcome.stdoutText + "\n" + outcome.stderrText
        let serverDown = (dialect != .slurmWrapper && code == 162) || CommandText.mentionsServerDown(printed)
        if serverDown {
            return failAll(PBSCommandError(
                kind: .serverDown, message: "qdel could not reach the server", outcome: outcome
            ))
        }
        let errors = ErrorLines(printed, asked: valid)
        // When some error line names no id, silence about an id does not prove it was deleted.
        let silenceMeansDeleted = errors.unattributed.isEmpty
        for id in valid {
            guard let line = errors.line(naming: id) else {
                verdicts[id] = silenceMeansDeleted ? .deleted : .failed(PBSCommandError(
                    kind: .rejected, message: "qdel failed and did not say whether job \(id) was deleted",
                    outcome: outcome
                ))
                continue
            }
            switch line.verdict {
            case .unknown: verdicts[id] = .unknown
            case .finished: verdicts[id] = .alreadyFinished
            case .other:
                verdicts[id] = .failed(PBSCommandError(
                    kind: .rejected, message: "qdel could not delete job \(id): \(line.text)", outcome: outcome
                ))
            }
        }
        return verdicts
    }
}
