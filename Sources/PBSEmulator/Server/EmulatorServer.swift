import Foundation

/// The emulated pbs_server + mom: the parent of every job process. It starts queued jobs, reaps them with
/// wait4, enforces walltime, carries out deletions and injected kills, and keeps `state.json` honest.
///
/// It sleeps in `sigtimedwait` (100 ms at most): commands wake it with SIGUSR1, ending jobs with SIGCHLD.
/// SIGTERM, SIGINT or SIGHUP make it delete every unfinished job and exit once no job process is left.
struct EmulatorServer {
    let context: EmulatorContext
    /// Job processes this server started: pid → sequence number.
    private var children: [pid_t: Int] = [:]

    init(context: EmulatorContext) {
        self.context = context
    }

    /// Runs until stopped; returns the exit code.
    mutating func run() -> Int32 {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        if context.environment[Self.spawnedMarker] == "1" {
            // The command that started this server created the state directory. If it is gone, it was removed
            // meanwhile (a test cleaning up): recreating it would leave a server nobody stops.
            guard FileManager.default.fileExists(atPath: context.home) else {
                log("pbs-emu: \(context.home) was removed before the server started")
                return 1
            }
        } else {
            do { try StateStore.makeDirectory(context.home) } catch {
                log("\(error)")
                return 1
            }
        }
        let lockFD = open(context.serverLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            log("pbs-emu: a server is already running for \(context.home)")
            return 1
        }
        defer { close(lockFD) }
        var lockedFile = stat()
        fstat(lockFD, &lockedFile)
        _ = FileManager.default.createFile(atPath: context.pidFile, contents: Data("\(getpid())\n".utf8))
        defer { unlink(context.pidFile) }
        log("pbs-emu server \(getpid()) started for \(context.home) (server name \(context.serverName))")

        var shutdownSince: Double?
        while true {
            var info = siginfo_t()
            var timeout = timespec(tv_sec: 0, tv_nsec: 100_000_000)
            let received = sigtimedwait(&signals, &info, &timeout)
            guard Self.isFile(context.serverLockFile, lockedFile) else {
                // The state directory was removed or replaced: nothing can reach this server or its jobs any
                // more, and its next tick would recreate the directory. It ends its jobs and leaves.
                log("pbs-emu server: \(context.home) was removed; ending its jobs and stopping")
                for pid in children.keys { ProcessLauncher.signalSession(pid, SIGKILL) }
                break
            }
            if received == SIGTERM || received == SIGINT || received == SIGHUP, shutdownSince == nil {
                shutdownSince = Emulator.now()
                log("pbs-emu server stopping: deleting unfinished jobs")
            }
            do {
                let busy = try tick(shuttingDown: shutdownSince != nil)
                if let since = shutdownSince {
                    let limit = try StateStore(context: context).withLockedState(write: false) {
                        $0.config.killDelay
                    } + 10
                    if !busy || Emulator.now() - since > limit { break }
                }
            } catch {
                log("pbs-emu server: \(error)")
                if shutdownSince != nil { break }
            }
        }
        log("pbs-emu server \(getpid()) stopped")
        return 0
    }

    /// The environment variable `ensureServer` sets for the server it starts.
    static let spawnedMarker = "PBS_EMU_SPAWNED"

    /// True when `path` is still the file described by `locked` (same device and inode).
    private static func isFile(_ path: String, _ locked: stat) -> Bool {
        var current = stat()
        return stat(path, &current) == 0 && current.st_dev == locked.st_dev && current.st_ino == locked.st_ino
    }

    /// One pass over the state; returns true while job processes remain.
    private mutating func tick(shuttingDown: Bool) throws -> Bool {
        try StateStore(context: context).withLockedState { state in
            let now = Emulator.now()
            reapChildren(&state, now: now)
            reapOrphans(&state, now: now)
            if shuttingDown {
                for index in state.jobs.indices where !state.jobs[index].isFinished {
                    if state.jobs[index].isRunning {
                        if state.jobs[index].endReason == nil && state.jobs[index].processEnd == nil {
                            state.jobs[index].endReason = .deleted
                            state.jobs[index].endStartedAt = now
                        }
                    } else {
                        Scheduler.finishUnstarted(&state.jobs[index], now: now)
                    }
                }
            }
            signalEndingJobs(&state, now: now)
            finishEndedJobs(&state, now: now, shuttingDown: shuttingDown)
            Scheduler.updateHolds(&state, now: now)
            if !shuttingDown {
                for index in Scheduler.jobsToStart(&state, now: now) {
                    start(&state, index: index, now: now)
                }
            }
            return state.jobs.contains(where: \.isRunning)
        }
    }

    private mutating func reapChildren(_ state: inout EmulatorState, now: Double) {
        for (pid, seq) in children {
            var status: Int32 = 0
            var usage = rusage()
            let result = wait4(pid, &status, WNOHANG, &usage)
            guard result == pid || (result < 0 && errno == ECHILD) else { continue }
            children[pid] = nil
            // Whatever the job left behind in its session goes with it, as under a real mom.
            ProcessLauncher.signalSession(pid, SIGKILL)
            var processStatus: Int?
            if result == pid {
                let signal = status & 0x7f
                processStatus = signal == 0 ? Int((status >> 8) & 0xff) : 256 + Int(signal)
            }
            cleanUp(seq)
            guard let index = state.index(of: seq) else { continue }
            let cpu = Int(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            processGone(&state.jobs[index], ProcessEnd(at: now, status: processStatus, cputSeconds: cpu,
                                                       memKB: Int(usage.ru_maxrss)))
        }
    }

    /// Notes that a running job's process is gone; `finishEndedJobs` makes it F once the exit lag is over.
    private func processGone(_ job: inout EmulatedJob, _ end: ProcessEnd) {
        if job.endStartedAt == nil { job.endStartedAt = end.at }
        job.processEnd = end
    }

    /// Jobs whose process is gone become F once `exit-lag` has passed since their end began (at once while
    /// the server stops): until then they still show R, as a real server does until the mom's obit is handled.
    private func finishEndedJobs(_ state: inout EmulatorState, now: Double, shuttingDown: Bool) {
        let lag = state.config.exitLag
        for index in state.jobs.indices where state.jobs[index].isRunning {
            guard let end = state.jobs[index].processEnd else { continue }
            let began = state.jobs[index].endStartedAt ?? end.at
            guard shuttingDown || now >= began + lag else { continue }
            Scheduler.finishRun(&state.jobs[index], processStatus: end.status, cputSeconds: end.cputSeconds,
                                memKB: end.memKB, endedAt: end.at, now: now)
        }
    }

    /// Running jobs started by an earlier server (which died): they end when their session is gone; their
    /// exit status is lost (recorded as -1 unless the emulator was ending them).
    private func reapOrphans(_ state: inout EmulatorState, now: Double) {
        let ours = Set(children.values)
        for index in state.jobs.indices where state.jobs[index].isRunning && !ours.contains(state.jobs[index].seq) {
            guard state.jobs[index].processEnd == nil else { continue }
            let session = state.jobs[index].sessionID ?? 0
            if session <= 0 || (kill(session, 0) != 0 && errno == ESRCH && kill(-session, 0) != 0) {
                cleanUp(state.jobs[index].seq)
                processGone(&state.jobs[index], ProcessEnd(at: now, status: nil, cputSeconds: 0, memKB: 0))
            }
        }
    }

    /// Walltime (enforced `walltime-grace` after the limit), deletions and injected kills: SIGTERM to the
    /// session, SIGKILL after the kill delay (at once for injected kills). Jobs whose process is already gone
    /// are left alone: their session id may belong to someone else by now.
    private func signalEndingJobs(_ state: inout EmulatorState, now: Double) {
        let delay = state.config.killDelay
        let grace = state.config.walltimeGrace
        for index in state.jobs.indices where state.jobs[index].isRunning && state.jobs[index].processEnd == nil {
            var job = state.jobs[index]
            guard let session = job.sessionID, session > 0 else { continue }
            if job.endReason == nil, let limit = job.walltimeLimit, let started = job.stime,
               now - started >= Double(limit) + grace {
                job.endReason = .walltime
                job.endStartedAt = now
            }
            guard let reason = job.endReason else { continue }
            if case .system = reason {
                if !job.killSent {
                    ProcessLauncher.signalSession(session, SIGKILL)
                    job.killSent = true
                }
            } else if let sent = job.termSentAt {
                if !job.killSent && now - sent >= delay {
                    ProcessLauncher.signalSession(session, SIGKILL)
                    job.killSent = true
                }
            } else {
                ProcessLauncher.signalSession(session, SIGTERM)
                job.termSentAt = now
            }
            if job != state.jobs[index] { state.jobs[index] = job }
        }
    }

    private mutating func start(_ state: inout EmulatorState, index: Int, now: Double) {
        var job = state.jobs[index]
        let id = context.jobID(job.seq)
        let host = context.hostName
        let instances = job.chunks.flatMap { chunk in Array(repeating: chunk, count: chunk.count) }
        let slots = Scheduler.freeSlots(state, count: instances.count)
        job.execHost = zip(instances, slots).map { chunk, slot in
            "\(host)/\(slot)" + (chunk.ncpus > 1 ? "*\(chunk.ncpus)" : "")
        }.joined(separator: "+")
        job.execVnode = instances.map { chunk in
            "(\(host):ncpus=\(chunk.ncpus)" + (chunk.mem.flatMap(Memory.kilobytes).map { ":mem=\($0)kb" } ?? "")
                + ")"
        }.joined(separator: "+")
        job.cpuSlots = slots

        let nodefile = context.auxDirectory + "/\(id)"
        let tmpdir = context.tmpDirectory + "/pbs.\(id)"
        let nodeLines = instances.flatMap { Array(repeating: host, count: max(1, $0.mpiprocs ?? 1)) }
        do {
            try StateStore.makeDirectory(context.auxDirectory)
            try StateStore.makeDirectory(tmpdir)
            try (nodeLines.joined(separator: "\n") + "\n").write(toFile: nodefile, atomically: true, encoding: .utf8)
            let outFD = try openJobFile(job.joinPath == "eo" ? job.errorPath : job.outputPath)
            defer { close(outFD) }
            var errFD = outFD
            if job.joinPath != "oe" && job.joinPath != "eo" {
                errFD = try openJobFile(job.errorPath)
            }
            defer { if errFD != outFD { close(errFD) } }
            let argv = job.runWithShell ? ["/bin/sh"] + job.command : job.command
            let environment = jobEnvironment(job, id: id, nodefile: nodefile, tmpdir: tmpdir)
            let pid = try ProcessLauncher.spawn(argv, environment: environment, directory: job.jobdir,
                                                stdoutFD: outFD, stderrFD: errFD)
            children[pid] = job.seq
            job.sessionID = pid
            job.state = "R"
            job.substate = 42
            job.stime = now
            job.mtime = now
            job.runCount += 1
            job.comment = "Job run at \(PBSTime.commentDate(now)) on \(job.execVnode ?? host)"
        } catch {
            log("pbs-emu server: job \(id) could not start: \(error)")
            job.stime = now
            job.runCount += 1
            job.comment = "Job could not start: \(error)"
            Scheduler.finishRun(&job, processStatus: -1, cputSeconds: 0, memKB: 0, now: now)
            cleanUp(job.seq)
        }
        state.jobs[index] = job
    }

    /// Opens an output file; when its directory is missing the output goes to `undelivered/` as PBS would.
    private func openJobFile(_ path: String) throws -> Int32 {
        let fd = ProcessLauncher.openOutput(path, append: false)
        if fd >= 0 { return fd }
        let fallbackDirectory = context.home + "/undelivered"
        try StateStore.makeDirectory(fallbackDirectory)
        let fallback = fallbackDirectory + "/" + URL(fileURLWithPath: path).lastPathComponent
        let second = ProcessLauncher.openOutput(fallback, append: false)
        guard second >= 0 else { throw EmulatorError("cannot open \(path) or \(fallback)") }
        return second
    }

    private func jobEnvironment(_ job: EmulatedJob, id: String, nodefile: String, tmpdir: String) -> [String] {
        var env: [String: String] = [:]
        let variables = Dictionary(job.variables.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        env["HOME"] = job.jobdir
        env["USER"] = job.user
        env["LOGNAME"] = job.user
        env["SHELL"] = variables["PBS_O_SHELL"] ?? "/bin/sh"
        env["PATH"] = variables["PBS_O_PATH"] ?? "/usr/bin:/bin"
        if let lang = variables["PBS_O_LANG"] { env["LANG"] = lang }
        for (name, value) in variables { env[name] = value }
        let firstChunk = job.chunks.first
        env["PBS_JOBID"] = id
        env["PBS_JOBNAME"] = job.name
        env["PBS_NODEFILE"] = nodefile
        env["PBS_QUEUE"] = job.queue
        env["PBS_ENVIRONMENT"] = "PBS_BATCH"
        env["ENVIRONMENT"] = "BATCH"
        env["PBS_JOBDIR"] = job.jobdir
        env["PBS_TASKNUM"] = "1"
        env["PBS_MOMPORT"] = "15003"
        env["NCPUS"] = "\(firstChunk?.ncpus ?? 1)"
        env["OMP_NUM_THREADS"] = "\(firstChunk?.ncpus ?? 1)"
        env["TMPDIR"] = tmpdir
        // Commands run inside a job reach the same emulator.
        env["PBS_EMU_HOME"] = context.home
        env["PBS_EMU_SERVER"] = context.serverName
        return env.map { "\($0.key)=\($0.value)" }.sorted()
    }

    private func cleanUp(_ seq: Int) {
        let id = context.jobID(seq)
        unlink(context.auxDirectory + "/\(id)")
        try? FileManager.default.removeItem(atPath: context.tmpDirectory + "/pbs.\(id)")
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
