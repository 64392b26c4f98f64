import ClusterConfiguration
import ClusterCore

/// The one-line `STATUS=` summary shown by `systemctl --user status clusterd`, e.g.
/// `default: controller running 123.pbs, 4/4 engines running, qstat ok`.
public enum StatusLine {
    /// One part per cluster, joined with "; ".
    public static func summary(_ statuses: [ClusterStatus], now: Timestamp) -> String {
        if statuses.isEmpty { return "no clusters configured" }
        return statuses.map { cluster($0, now: now) }.joined(separator: "; ")
    }

    static func cluster(_ status: ClusterStatus, now: Timestamp) -> String {
        var parts: [String] = []
        for role in status.roles {
            parts.append(role.role == .engine ? engines(role, now: now) : single(role, now: now))
            if role.role == .engine, let registration = status.engines {
                parts.append(registered(registration))
            }
        }
        if status.stale {
            let since = status.staleSince.map { " for " + DurationText.format(max(0, Int(now - $0))) } ?? ""
            parts.append("qstat failing\(since)")
        } else {
            parts.append("qstat ok")
        }
        return "\(status.cluster): " + parts.joined(separator: ", ")
    }

    /// `controller running 123.pbs`, `notebook queued 7.pbs`, `controller failed`, ...
    static func single(_ role: RoleStatus, now: Timestamp) -> String {
        let name = role.role.rawValue
        if let job = role.jobs.first(where: { $0.retiring == nil }) {
            return [name, job.state, job.jobID].compactMap { $0 }.joined(separator: " ")
        }
        return "\(name) \(idle(role, now: now))" + (role.lastSubmitError.map { " (qsub refused: \(brief($0)))" } ?? "")
    }

    /// The first line of a qsub error, short enough for a status line.
    static func brief(_ error: SubmitError) -> String {
        let line = error.message.split(whereSeparator: \.isNewline).first.map(String.init) ?? error.message
        return line.count > 80 ? String(line.prefix(77)) + "..." : line
    }

    /// `3/4 engines running` (plus why none are coming when held or stopped).
    static func engines(_ role: RoleStatus, now: Timestamp) -> String {
        let live = role.jobs.filter { $0.retiring == nil }
        let running = live.filter { $0.state == "running" }.count
        var text = "\(running)/\(role.wantedJobs) engines running"
        if live.isEmpty, role.hold != nil || role.desired == .stopped || role.backoffUntil != nil {
            text += " (\(idle(role, now: now)))"
        }
        if let error = role.lastSubmitError { text += " (qsub refused: \(brief(error)))" }
        return text
    }

    /// `4/4 registered` (engine processes registered with the clients' controller / started by engine jobs).
    static func registered(_ registration: EngineRegistration) -> String {
        "\(registration.registered)/\(registration.expected.map(String.init) ?? "?") registered"
            + (registration.movingTo.map { ", moving to \($0)" } ?? "")
    }

    /// Why a role has no job: `failed`, `exited`, `stopped`, `restarting in 5s`, `waiting`.
    static func idle(_ role: RoleStatus, now: Timestamp) -> String {
        if let hold = role.hold { return hold.kind.rawValue }
        if role.desired == .stopped { return "stopped" }
        if let until = role.backoffUntil, until > now {
            return "restarting in " + DurationText.format(max(1, Int((until - now).rounded(.up))))
        }
        return "waiting"
    }
}
