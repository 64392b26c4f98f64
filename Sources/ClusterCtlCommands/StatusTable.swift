import ClusterAPI
import ClusterConfiguration
import ClusterCore
import PBSCore

/// Renders one cluster as a header line and a table: ROLE, JOB ID, STATE, HOST, WALLTIME LEFT, RESTARTS, NOTE.
enum StatusTable {
    static func render(_ detail: ClusterDetail, now: Double) -> String {
        let status = detail.status
        var header = "cluster \(detail.name)"
        if let handoff = detail.handoff {
            header += ": controller \(handoff.address) (job \(handoff.controllerJob), generation \(handoff.generation)"
                + (handoff.stale ? ", STALE" : "") + ")"
        } else {
            header += ": no controller address yet"
        }
        if let engines = status.engines {
            let age = max(0, Int(now - engines.reportedAt))
            let expected = engines.expected.map(String.init) ?? "?"
            header += "\n  engines: \(engines.registered) of \(expected) registered with controller "
                + "\(engines.controllerJob) (reported \(DurationText.format(age)) ago)"
            if let target = engines.movingTo {
                header += "; moving to \(target): \(engines.registeredAtTarget ?? 0) registered there"
            }
        }
        if let error = status.handoffWriteError {
            header += "\n  cannot write the handoff file \(detail.handoffFile) (\(error)); it still names the "
                + "previous controller, retried every poll"
        }
        if status.stale {
            // max(0, ...): the daemon's times and this clock may disagree after a clock step.
            let since = status.staleSince.map { " for " + DurationText.format(max(0, Int(now - $0.seconds))) } ?? ""
            header += "\n  qstat failing\(since): states are the last known ones"
                + (status.lastQueryFailure.map { " (\($0))" } ?? "")
        }
        var rows = [["ROLE", "JOB ID", "STATE", "HOST", "WALLTIME LEFT", "RESTARTS", "NOTE"]]
        for role in status.roles {
            let note = roleNote(role, now: now)
            if role.jobs.isEmpty {
                let state = role.hold.map { $0.kind.rawValue } ?? (role.desired == .stopped ? "stopped" : "pending")
                rows.append([role.role.rawValue, "-", state, "-", "-", String(role.restarts), note])
                continue
            }
            for (index, job) in role.jobs.enumerated() {
                var jobNote = index == 0 ? note : ""
                if let retiring = job.retiring { jobNote = join(jobNote, "retiring (\(retiring.rawValue))") }
                if let replacement = job.replacedBy { jobNote = join(jobNote, "replaced by \(replacement)") }
                if job.adopted { jobNote = join(jobNote, "adopted") }
                rows.append([
                    role.role.rawValue, job.jobID ?? "-", job.state, job.host ?? "-",
                    job.walltimeLeft.map { PBSDuration.format(max(0, Int($0))) } ?? "-",
                    String(role.restarts), jobNote,
                ])
            }
        }
        return header + "\n" + table(rows)
    }

    private static func roleNote(_ role: RoleStatus, now: Double) -> String {
        var note = ""
        if let hold = role.hold { note = join(note, "\(hold.kind.rawValue): \(hold.reason)") }
        if let until = role.backoffUntil, until.seconds > now {
            note = join(note, "next try in " + DurationText.format(Int((until.seconds - now).rounded(.up))))
        }
        if role.desired == .running && role.jobs.count != role.wantedJobs && role.hold == nil {
            note = join(note, "wants \(role.wantedJobs)")
        }
        if let error = role.lastSubmitError {
            note = join(note, "qsub refused" + (error.permanent ? " (fix the configuration)" : "") + ": "
                + String(error.message.prefix(200)))
        }
        if let exit = role.lastExit, role.hold != nil || role.jobs.isEmpty {
            note = join(note, "last exit " + (exit.exitStatus.map(String.init) ?? "unknown")
                + (exit.jobID.map { " (\($0))" } ?? ""))
        }
        return note
    }

    private static func join(_ left: String, _ right: String) -> String {
        left.isEmpty ? right : left + "; " + right
    }

    /// Left-aligned columns two spaces apart; the last column is not padded.
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.first?.count else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                line += index == width - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count + 2)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
