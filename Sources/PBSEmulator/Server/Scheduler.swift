/// State transitions that need no processes: dependency holds, deletion of jobs that never ran, recording
/// ends, choosing which queued jobs start. Shared by the commands and the server loop.
enum Scheduler {
    enum DependencyVerdict { case satisfied, waiting, impossible }

    static func verdict(of job: EmulatedJob, in state: EmulatorState) -> DependencyVerdict {
        var result = DependencyVerdict.satisfied
        for dependency in job.dependencies {
            for parentSeq in dependency.parents {
                guard let parent = state.jobs.first(where: { $0.seq == parentSeq }) else { continue }
                let exitedOK = parent.isFinished && parent.exitStatus == 0
                switch dependency.type {
                case "after":
                    if !(parent.hasRun || parent.isFinished) { result = .waiting }
                case "afterok":
                    if parent.isFinished && !exitedOK { return .impossible }
                    if !parent.isFinished { result = .waiting }
                case "afternotok":
                    if exitedOK { return .impossible }
                    if !parent.isFinished { result = .waiting }
                default:
                    if !parent.isFinished { result = .waiting }
                }
            }
        }
        return result
    }

    /// Re-evaluates holds of jobs that have not started: user hold → H/20, unmet dependency → H/22, otherwise
    /// Q/10; a dependency that can no longer be met deletes the job (F/91). Loops until nothing changes,
    /// since one deletion can doom a chain.
    static func updateHolds(_ state: inout EmulatorState, now: Double) {
        var changed = true
        while changed {
            changed = false
            for index in state.jobs.indices where state.jobs[index].state == "Q" || state.jobs[index].state == "H" {
                let verdict = verdict(of: state.jobs[index], in: state)
                var job = state.jobs[index]
                if verdict == .impossible {
                    finishUnstarted(&job, now: now)
                } else if job.userHold {
                    setState(&job, "H", 20, holds: "u", now: now)
                } else if verdict == .waiting {
                    setState(&job, "H", 22, holds: "s", now: now)
                } else {
                    setState(&job, "Q", 10, holds: "n", now: now)
                    if job.etime == nil { job.etime = now }
                }
                if job != state.jobs[index] {
                    state.jobs[index] = job
                    changed = true
                }
            }
        }
    }

    private static func setState(_ job: inout EmulatedJob, _ letter: String, _ substate: Int, holds: String,
                                 now: Double) {
        guard job.state != letter || job.substate != substate || job.holdTypes != holds else { return }
        job.state = letter
        job.substate = substate
        job.holdTypes = holds
        job.mtime = now
    }

    /// A job deleted before it ran: F/91 without Exit_status.
    static func finishUnstarted(_ job: inout EmulatedJob, now: Double) {
        job.state = "F"
        job.substate = 91
        job.mtime = now
        job.obittime = nil
        job.exitStatus = nil
        job.comment = nil
    }

    /// Records the end of a job that ran: F at `now`; its used walltime runs until `endedAt` (when its process
    /// was gone, which is earlier than `now` under an exit lag).
    static func finishRun(_ job: inout EmulatedJob, processStatus: Int?, cputSeconds: Int, memKB: Int,
                          endedAt: Double? = nil, now: Double) {
        let exit: Int
        switch job.endReason {
        case .deleted: exit = 271
        case .walltime: exit = -29
        case .system(let status): exit = status
        case nil: exit = processStatus ?? -1
        }
        job.state = "F"
        job.exitStatus = exit
        job.substate = job.endReason == .deleted ? 91 : exit == 0 ? 92 : 93
        job.obittime = now
        job.mtime = now
        job.usedWalltime = Int((endedAt ?? now) - (job.stime ?? now))
        job.processEnd = nil
        job.cputSeconds = cputSeconds
        job.memKB = memKB
        let base = job.comment ?? ""
        switch job.endReason {
        case .walltime: job.comment = base + " and exceeded resource walltime"
        case .deleted: break
        default: job.comment = base + " and finished"
        }
    }

    /// What the scheduler writes on a job a `--name` queue wait holds back. A real message of the OpenPBS
    /// scheduler (src/scheduler/job_info.cpp, RESERVATION_CONFLICT), as a busy site shows it for hours.
    static let nameWaitComment = "Not Running: Job would conflict with reservation or top job"

    /// Indexes of queued jobs that may start now, highest priority first, within the CPU capacity; also
    /// writes the scheduler's "Not Running" comment on jobs that must wait for CPUs or for a `--name` wait.
    static func jobsToStart(_ state: inout EmulatorState, now: Double) -> [Int] {
        var used = state.jobs.filter(\.isRunning).reduce(0) { $0 + $1.ncpus }
        let capacity = state.config.ncpus
        var eligible: [Int] = []
        for index in state.jobs.indices where state.jobs[index].state == "Q" {
            let job = state.jobs[index]
            let wait = state.config.queueWait(forName: job.name)
            if now >= (job.etime ?? job.qtime) + wait.seconds {
                eligible.append(index)
            } else if wait.byName, job.comment != nameWaitComment {
                // The plain queue wait stands for a scheduler cycle not yet run: no comment, as on an idle
                // server. A name wait stands for a busy cluster, where the scheduler says why.
                state.jobs[index].comment = nameWaitComment
            }
        }
        let candidates = eligible
            .sorted {
                (state.jobs[$0].priority, -state.jobs[$0].seq) > (state.jobs[$1].priority, -state.jobs[$1].seq)
            }
        var chosen: [Int] = []
        for index in candidates {
            let need = state.jobs[index].ncpus
            if capacity > 0 && used + need > capacity {
                let comment = "Not Running: Insufficient amount of resource: ncpus (R: \(need) A: "
                    + "\(max(0, capacity - used)) T: \(capacity))"
                if state.jobs[index].comment != comment { state.jobs[index].comment = comment }
                continue
            }
            used += need
            chosen.append(index)
        }
        return chosen
    }

    /// The lowest CPU indexes not used by running jobs, one per chunk instance.
    static func freeSlots(_ state: EmulatorState, count: Int) -> [Int] {
        let taken = Set(state.jobs.filter(\.isRunning).flatMap(\.cpuSlots))
        var slots: [Int] = []
        var candidate = 0
        while slots.count < count {
            if !taken.contains(candidate) { slots.append(candidate) }
            candidate += 1
        }
        return slots
    }
}
