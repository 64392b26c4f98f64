import Foundation

extension Emulator {
    /// `qsub [options] [script]` or `qsub [options] -- command [args]`; the script is read from `stdin` when
    /// no file is named. Prints `<seq>.<server>`.
    public func qsub(_ arguments: [String], stdin: () -> [UInt8]) -> CommandOutput {
        if arguments.contains("--version") {
            return CommandOutput(stdout: "pbs_version = \(QstatJSONFormatter.pbsVersion)\n")
        }
        var failNow = false
        let hang: Double
        do {
            hang = try enter("qsub").qsubHang
            try store.withLockedState { state in
                if !state.faults.serverDown && state.faults.qsubFail > 0 {
                    state.faults.qsubFail -= 1
                    // Numbered before it is refused, like every rejection of a real server (see submit).
                    state.nextSeq += 1
                    failNow = true
                }
            }
            let faults = try store.withLockedState(write: false) { $0.faults }
            if faults.serverDown { return serverDown("qsub") }
        } catch {
            return Self.failure("qsub", error)
        }
        if failNow {
            return CommandOutput(stderr: "qsub: Maximum number of jobs already in queue workq\n", exitCode: 190)
        }
        do {
            let output = try submit(arguments, stdin: stdin)
            guard output.exitCode == 0 else { return output }
            ensureServer()
            wakeServer()
            if hang > 0 {
                // The job exists (and runs) while the client has not said its id yet: a caller that gives up
                // now has a job it does not know about.
                usleep(UInt32(min(hang, 3600) * 1_000_000))
            }
            return output
        } catch let error as QsubError {
            return CommandOutput(stderr: error.message, exitCode: error.exitCode)
        } catch {
            return Self.failure("qsub", error)
        }
    }

    private func submit(_ arguments: [String], stdin: () -> [UInt8]) throws -> CommandOutput {
        let commandLine = try QsubOptions.parse(arguments, directive: false)
        var script = ""
        var scriptName = "STDIN"
        if commandLine.commandMode {
            scriptName = URL(fileURLWithPath: commandLine.operands[0]).lastPathComponent
        } else if let path = commandLine.operands.first {
            guard commandLine.operands.count == 1 else { throw QsubOptions.usageError() }
            let absolute = path.hasPrefix("/") ? path : context.workingDirectory + "/" + path
            guard let data = FileManager.default.contents(atPath: absolute) else {
                throw QsubError(message: "qsub: script file:: No such file or directory\n", exitCode: 1)
            }
            script = String(decoding: data, as: UTF8.self)
            scriptName = URL(fileURLWithPath: path).lastPathComponent
        } else {
            script = String(decoding: stdin(), as: UTF8.self)
        }
        let prefix = commandLine.directivePrefix ?? context.environment["PBS_DPREFIX"] ?? "#PBS"
        let directives = commandLine.commandMode ? QsubOptions()
            : try QsubOptions.parse(QsubOptions.directiveArguments(script: script, prefix: prefix), directive: true)
        let options = commandLine.overriding(directives)
        try ResourceRequest.verify(options.resources)
        let request = try ResourceRequest.resolve(options.resources)
        let now = Self.now()
        let queue = options.queue ?? "workq"
        let name = options.name ?? scriptName
        let variables = jobVariables(options, queue: queue)
        let dependencies = try parseDependencies(options.depend)

        return try store.withLockedState { state in
            // The server numbers a submission before it checks it (req_quejob in OpenPBS), so each rejection
            // below uses up a job id, as on a real server. Rejections are returned, not thrown, so that the
            // used-up id is saved.
            let seq = state.nextSeq
            state.nextSeq += 1
            guard state.config.knownQueues.contains(queue) else {
                return CommandOutput(stderr: "qsub: Unknown queue\n", exitCode: 170)
            }
            if let error = ResourceRequest.unknownTopLevelResource(in: options.resources,
                                                                  custom: state.config.resources) {
                return CommandOutput(stderr: error.message, exitCode: error.exitCode)
            }
            for dependency in dependencies {
                for parent in dependency.parents where state.index(of: parent) == nil {
                    return CommandOutput(stderr: "qsub: Unknown Job Id \(context.jobID(parent))\n", exitCode: 153)
                }
            }
            if let error = ResourceRequest.unknownSelectResource(in: options.resources,
                                                                custom: state.config.resources) {
                return CommandOutput(stderr: error.message, exitCode: error.exitCode)
            }
            try StateStore.makeDirectory(context.spoolDirectory)
            var command: [String]
            var runWithShell = false
            if options.commandMode {
                command = options.operands
            } else {
                let spooled = context.spoolDirectory + "/\(seq).SC"
                guard FileManager.default.createFile(
                    atPath: spooled, contents: Data(script.utf8), attributes: [.posixPermissions: 0o700]
                ) else {
                    throw EmulatorError("qsub: cannot write \(spooled)")
                }
                command = [spooled]
                runWithShell = !script.hasPrefix("#!")
            }
            let output = resolvePath(options.output, defaultName: "\(name).o\(seq)")
            let error = resolvePath(options.error, defaultName: "\(name).e\(seq)")
            var job = EmulatedJob(
                seq: seq, name: name, user: context.userName, submitHost: context.hostName, queue: queue,
                state: "Q", substate: 10, holdTypes: "n", userHold: options.hold, ctime: now, qtime: now,
                mtime: now, etime: nil, stime: nil, obittime: nil, exitStatus: nil, sessionID: nil, execHost: nil,
                execVnode: nil, comment: nil, runCount: 0, outputPath: output, errorPath: error,
                joinPath: options.join ?? "n", keepFiles: options.keep ?? "n", mailPoints: options.mailPoints ?? "a",
                mailUsers: options.mailUsers, checkpoint: options.checkpoint ?? "u",
                rerunable: options.rerunable ?? true, priority: options.priority ?? 0, account: options.account,
                project: options.project ?? "_pbs_project_default", resources: request.resources,
                chunks: request.chunks, walltimeLimit: request.walltime, variables: variables,
                submitArguments: arguments.joined(separator: " "), workdir: context.workingDirectory,
                jobdir: context.userHome, command: command, runWithShell: runWithShell,
                dependencies: dependencies, endReason: nil, termSentAt: nil, killSent: false, cputSeconds: 0,
                memKB: 0, usedWalltime: nil, cpuSlots: []
            )
            state.jobs.append(job)
            Scheduler.updateHolds(&state, now: now)
            job = state.jobs[state.jobs.count - 1]
            let id = context.jobID(seq)
            return CommandOutput(stdout: options.quiet ? "" : "\(id)\n")
        }
    }

    /// `Variable_List` in the order OpenPBS builds it: the PBS_O_* block, exported variables, `-v` variables,
    /// then PBS_O_QUEUE and PBS_O_HOST.
    private func jobVariables(_ options: QsubOptions, queue: String) -> [NamedValue] {
        let env = context.environment
        var list: [NamedValue] = [NamedValue("PBS_O_HOME", context.userHome)]
        if let lang = env["LANG"] { list.append(NamedValue("PBS_O_LANG", lang)) }
        list.append(NamedValue("PBS_O_LOGNAME", env["LOGNAME"] ?? context.userName))
        list.append(NamedValue("PBS_O_PATH", env["PATH"] ?? "/usr/bin:/bin"))
        if let mail = env["MAIL"] { list.append(NamedValue("PBS_O_MAIL", mail)) }
        list.append(NamedValue("PBS_O_SHELL", env["SHELL"] ?? "/bin/sh"))
        list.append(NamedValue("PBS_O_INTERACTIVE_AUTH_METHOD", "resvport"))
        list.append(NamedValue("PBS_O_INTERACTIVE_ENCRYPT_METHOD", ""))
        list.append(NamedValue("PBS_O_WORKDIR", context.workingDirectory))
        list.append(NamedValue("PBS_O_SYSTEM", "Linux"))
        if options.exportAll {
            for key in env.keys.sorted() where !key.hasPrefix("PBS_O_") {
                list.append(NamedValue(key, env[key] ?? ""))
            }
        }
        for variable in options.variables {
            let value = variable.value == "\u{0}" ? env[variable.name] ?? "" : variable.value
            list.removeAll { $0.name == variable.name }
            list.append(NamedValue(variable.name, value))
        }
        list.append(NamedValue("PBS_O_QUEUE", queue))
        list.append(NamedValue("PBS_O_HOST", context.hostName))
        return list
    }

    /// An absolute output path: the default name in the submit directory, or `-o`/`-e` made absolute (a
    /// directory gets the default name inside it).
    private func resolvePath(_ given: String?, defaultName: String) -> String {
        guard var path = given, !path.isEmpty else { return context.workingDirectory + "/" + defaultName }
        if let colon = path.firstIndex(of: ":"), !path.hasPrefix("/") {
            path = String(path[path.index(after: colon)...])
        }
        if !path.hasPrefix("/") { path = context.workingDirectory + "/" + path }
        var isDirectory: ObjCBool = false
        if path.hasSuffix("/") || FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && isDirectory.boolValue {
            return (path.hasSuffix("/") ? path : path + "/") + defaultName
        }
        return path
    }

    /// `after:6.vm:7,afterok:8` → dependencies on sequence numbers.
    private func parseDependencies(_ text: String?) throws(QsubError) -> [JobDependency] {
        guard let text, !text.isEmpty else { return [] }
        var list: [JobDependency] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: ":")
            guard let type = parts.first, ["after", "afterok", "afternotok", "afterany"].contains(type),
                  parts.count > 1 else {
                throw QsubError(message: "qsub: illegal -W value\n", exitCode: 2)
            }
            var parents: [Int] = []
            for idText in parts.dropFirst() {
                guard case let .job(seq, _) = JobOperand.parse(String(idText), server: context.serverName) else {
                    throw QsubError(message: "qsub: illegal -W value\n", exitCode: 2)
                }
                parents.append(seq)
            }
            list.append(JobDependency(type: String(type), parents: parents))
        }
        return list
    }
}
