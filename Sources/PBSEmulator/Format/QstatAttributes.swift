import Foundation

/// Builds the attribute list `qstat -f` shows for a job, in OpenPBS 23.06's order and with the attributes
/// a real server shows in that state (see the captures in Tests/PBSCoreTests/Fixtures/openpbs-23.06-local).
enum QstatAttributes {
    static func status(
        of job: EmulatedJob, in state: EmulatorState, server: String, now: Double
    ) -> QstatJob {
        QstatJob(id: "\(job.seq).\(server)", attributes: attributes(of: job, in: state, server: server, now: now))
    }

    static func attributes(
        of job: EmulatedJob, in state: EmulatorState, server: String, now: Double
    ) -> [QstatAttribute] {
        var list: [QstatAttribute] = []
        func add(_ name: String, _ value: String?) {
            if let value { list.append(QstatAttribute(name, value)) }
        }
        add("Job_Name", job.name)
        add("Job_Owner", "\(job.user)@\(job.submitHost)")
        if job.hasRun, let started = job.stime {
            // Under an exit lag the job still shows R after its process is gone; its walltime stopped then.
            let walltime = job.usedWalltime ?? Int((job.processEnd?.at ?? now) - started)
            list.append(QstatAttribute("resources_used", resource: "cpupercent", "0"))
            list.append(QstatAttribute("resources_used", resource: "cput", PBSTime.duration(job.cputSeconds)))
            list.append(QstatAttribute("resources_used", resource: "mem", "\(job.memKB)kb"))
            list.append(QstatAttribute("resources_used", resource: "ncpus", "\(job.ncpus)"))
            list.append(QstatAttribute("resources_used", resource: "vmem", "\(job.memKB)kb"))
            list.append(QstatAttribute("resources_used", resource: "walltime", PBSTime.duration(walltime)))
        }
        add("job_state", job.state)
        add("queue", job.queue)
        add("server", server)
        add("Account_Name", job.account)
        add("Checkpoint", job.checkpoint)
        add("ctime", PBSTime.ctime(job.ctime))
        add("depend", dependString(of: job, in: state, server: server))
        add("Error_Path", "\(job.submitHost):\(job.errorPath)")
        if job.hasRun {
            add("exec_host", job.execHost)
            add("exec_vnode", job.execVnode)
        }
        add("Hold_Types", job.holdTypes)
        add("Join_Path", job.joinPath)
        add("Keep_Files", job.keepFiles)
        add("Mail_Points", job.mailPoints)
        add("Mail_Users", job.mailUsers)
        add("mtime", PBSTime.ctime(job.mtime))
        add("Output_Path", "\(job.submitHost):\(job.outputPath)")
        add("Priority", "\(job.priority)")
        add("qtime", PBSTime.ctime(job.qtime))
        add("Rerunable", job.rerunable ? "True" : "False")
        for resource in job.resources {
            list.append(QstatAttribute("Resource_List", resource: resource.name, resource.value))
        }
        if job.hasRun {
            add("stime", job.stime.map(PBSTime.ctime))
            if job.isFinished { add("obittime", job.obittime.map(PBSTime.ctime)) }
            // The captures show session_id on running jobs and on jobs the server killed, not on jobs that
            // simply exited.
            if job.isRunning || job.endReason != nil { add("session_id", job.sessionID.map { "\($0)" }) }
            add("jobdir", job.jobdir)
        }
        add("substate", "\(job.substate)")
        add("Variable_List", job.variables.map { "\($0.name)=\(escapeVariable($0.value))" }.joined(separator: ","))
        add("comment", job.comment)
        add("etime", job.etime.map(PBSTime.ctime))
        if job.hasRun {
            add("run_count", "\(job.runCount)")
            if job.isFinished { add("Stageout_status", "1") }
        }
        if job.isFinished { add("Exit_status", job.exitStatus.map { "\($0)" }) }
        add("Submit_arguments", job.submitArguments)
        if job.isFinished { add("history_timestamp", job.obittime.map { "\(Int($0))" } ?? "\(Int(job.mtime))") }
        add("project", job.project)
        add("Submit_Host", job.submitHost)
        return list
    }

    /// `after:6.vm@vm` for this job's own dependencies, `before:8.vm@vm` for jobs that wait on it.
    static func dependString(of job: EmulatedJob, in state: EmulatorState, server: String) -> String? {
        var parts: [String] = []
        for dependency in job.dependencies {
            let ids = dependency.parents.map { "\($0).\(server)@\(server)" }
            parts.append(([dependency.type] + ids).joined(separator: ":"))
        }
        var before: [String: [Int]] = [:]
        var order: [String] = []
        for other in state.jobs {
            for dependency in other.dependencies where dependency.parents.contains(job.seq) {
                let type = "before" + dependency.type.dropFirst("after".count)
                if before[type] == nil { order.append(type) }
                before[type, default: []].append(other.seq)
            }
        }
        for type in order {
            let ids = (before[type] ?? []).map { "\($0).\(server)@\(server)" }
            parts.append(([type] + ids).joined(separator: ":"))
        }
        return parts.isEmpty ? nil : parts.joined(separator: ",")
    }

    /// Commas inside a variable's value are escaped so the list still splits at the right places.
    static func escapeVariable(_ value: String) -> String {
        value.replacingOccurrences(of: ",", with: "\\,")
    }
}
