extension Emulator {
    /// `qdel id...`: queued and held jobs end at once (F/91, no Exit_status); running jobs get SIGTERM from
    /// the server, SIGKILL after the kill delay, and end F/91 with Exit_status 271.
    public func qdel(_ arguments: [String]) -> CommandOutput {
        if arguments.contains("--version") {
            return CommandOutput(stdout: "pbs_version = \(QstatJSONFormatter.pbsVersion)\n")
        }
        let faults: FaultSettings
        do { faults = try enter("qdel") } catch { return Self.failure("qdel", error) }
        var operands: [String] = []
        var purgeHistory = false
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "-x" {
                purgeHistory = true
            } else if argument == "-W" {
                index += 1
            } else if argument.hasPrefix("-W") {
                continue
            } else if argument.hasPrefix("-") {
                return CommandOutput(stderr: "usage:\n\tqdel [-W force|suppress_email=X] [-x] job_identifier...\n"
                                     + "\tqdel --version\n", exitCode: 2)
            } else {
                operands.append(argument)
            }
        }
        guard !operands.isEmpty else {
            return CommandOutput(stderr: "usage:\n\tqdel [-W force|suppress_email=X] [-x] job_identifier...\n"
                                 + "\tqdel --version\n", exitCode: 2)
        }
        if faults.serverDown { return serverDown("qdel") }
        var errors = ""
        var exitCode: Int32 = 0
        var wake = false
        do {
            try store.withLockedState { state in
                let now = Self.now()
                for operand in operands {
                    guard case let .job(seq, display) = JobOperand.parse(operand, server: context.serverName),
                          let position = state.index(of: seq), !Self.isHidden(state.jobs[position], faults: faults)
                    else {
                        errors += "qdel: Unknown Job Id \(Self.displayID(operand, server: context.serverName))\n"
                        exitCode = 153
                        continue
                    }
                    let job = state.jobs[position]
                    if job.isFinished {
                        if purgeHistory {
                            state.jobs.remove(at: position)
                        } else {
                            errors += "qdel: Job has finished \(display)\n"
                            exitCode = 35
                        }
                    } else if job.isRunning {
                        // A job whose process is already gone (exit lag) ends as it was going to.
                        if job.endReason == nil && job.processEnd == nil {
                            state.jobs[position].endReason = .deleted
                            state.jobs[position].endStartedAt = now
                        }
                        wake = true
                    } else {
                        Scheduler.finishUnstarted(&state.jobs[position], now: now)
                        wake = true
                    }
                }
                Scheduler.updateHolds(&state, now: now)
            }
        } catch {
            return Self.failure("qdel", error)
        }
        if wake { wakeServer() }
        return CommandOutput(stderr: errors, exitCode: exitCode)
    }

    static func displayID(_ operand: String, server: String) -> String {
        switch JobOperand.parse(operand, server: server) {
        case let .job(_, display), let .foreign(display): display
        case let .destination(text), let .malformed(text): text
        }
    }

    /// `qhold id...` (Q → H/20) and `qrls id...` (H/20 → Q, or H/22 while a dependency is unmet).
    public func holdOrRelease(_ command: String, _ arguments: [String]) -> CommandOutput {
        if arguments.contains("--version") {
            return CommandOutput(stdout: "pbs_version = \(QstatJSONFormatter.pbsVersion)\n")
        }
        let faults: FaultSettings
        do { faults = try enter(command) } catch { return Self.failure(command, error) }
        var operands: [String] = []
        var index = 0
        while index < arguments.count {
            if arguments[index] == "-h" { index += 2; continue }
            operands.append(arguments[index])
            index += 1
        }
        guard !operands.isEmpty, !operands.contains(where: { $0.hasPrefix("-") }) else {
            return CommandOutput(stderr: "usage: \(command) [-h hold_list] job_identifier...\n", exitCode: 2)
        }
        if faults.serverDown { return serverDown(command) }
        var errors = ""
        var exitCode: Int32 = 0
        do {
            try store.withLockedState { state in
                for operand in operands {
                    guard case let .job(seq, display) = JobOperand.parse(operand, server: context.serverName),
                          let position = state.index(of: seq), !Self.isHidden(state.jobs[position], faults: faults)
                    else {
                        errors += "\(command): Unknown Job Id \(Self.displayID(operand, server: context.serverName))\n"
                        exitCode = 153
                        continue
                    }
                    let job = state.jobs[position]
                    if job.isFinished {
                        errors += "\(command): Job has finished \(display)\n"
                        exitCode = 35
                    } else if job.isRunning && command == "qhold" {
                        errors += "\(command): Request invalid for state of job \(display)\n"
                        exitCode = 168
                    } else {
                        state.jobs[position].userHold = command == "qhold"
                    }
                }
                Scheduler.updateHolds(&state, now: Self.now())
            }
        } catch {
            return Self.failure(command, error)
        }
        wakeServer()
        return CommandOutput(stderr: errors, exitCode: exitCode)
    }
}
