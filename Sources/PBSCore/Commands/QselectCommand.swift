/// `qselect -u <user>`: the ids of the user's unfinished jobs, the cheap first half of a listing of "my jobs".
///
/// A listing must not cost the server a dump of every user's jobs and history (`qstat -f -x` without ids is
/// ~2.2 KB per job: a busy server's history exceeds the output cap). OpenPBS and Torque answer `qselect -u`
/// from the server's index in milliseconds; the ids then go to the usual `qstat -f id...` of the tick. Slurm's
/// PBS wrappers have no qselect: their `qstat -f` listing (bounded by Slurm's MinJobAge) is filtered by owner.
public enum QselectCommand {
    /// The plan for `user`'s job ids, nil for dialects without qselect.
    public static func plan(user: String, dialect: PBSDialect) -> PBSCommandPlan? {
        dialect == .slurmWrapper ? nil : PBSCommandPlan(tool: .qselect, arguments: ["-u", user])
    }

    /// The ids qselect printed, one per line, or why there are none to trust.
    public static func interpret(_ outcome: CommandOutcome, dialect: PBSDialect) -> Result<[String], PBSQueryFailure> {
        if let failure = QstatCommand.commonFailure(outcome, dialect: dialect) { return .failure(failure) }
        guard outcome.exitCode == 0 else {
            return .failure(PBSQueryFailure(kind: .commandFailed, message: "qselect failed: \(outcome.summary)"))
        }
        var ids: [String] = []
        for line in String(decoding: outcome.standardOutput, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let id = String(line.filter { $0 != " " && $0 != "\t" && $0 != "\r" })
            if id.isEmpty { continue }
            guard PBSJobID.isValid(id) else {
                return .failure(PBSQueryFailure(
                    kind: .badOutput, message: "qselect printed \"\(id)\", which is not a job id: \(outcome.summary)"))
            }
            ids.append(id)
        }
        return .success(ids)
    }
}
