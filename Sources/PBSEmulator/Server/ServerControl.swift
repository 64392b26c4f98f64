import Foundation

extension Emulator {
    /// True while a server holds `server.lock` for this state directory.
    public func serverIsRunning() -> Bool {
        let fd = open(context.serverLockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    /// The running server's pid, from `server.pid`.
    public func serverPID() -> pid_t? {
        guard serverIsRunning(),
              let text = try? String(contentsOfFile: context.pidFile, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        return pid
    }

    /// Starts the server (detached, in its own session, output to `server.log`) unless one is running, and
    /// waits until it holds its lock.
    public func ensureServer() {
        guard !serverIsRunning() else { return }
        do {
            try StateStore.makeDirectory(context.home)
            let logFD = ProcessLauncher.openOutput(context.logFile, append: true)
            guard logFD >= 0 else { return }
            defer { close(logFD) }
            var environment = context.environment
            environment["PBS_EMU_HOME"] = context.home
            environment["PBS_EMU_SERVER"] = context.serverName
            environment[EmulatorServer.spawnedMarker] = "1"
            _ = try ProcessLauncher.spawn(
                [context.executablePath, "server", "run"],
                environment: environment.map { "\($0.key)=\($0.value)" }, directory: "/",
                stdoutFD: logFD, stderrFD: logFD
            )
        } catch {
            FileHandle.standardError.write(Data("pbs-emu: cannot start the server: \(error)\n".utf8))
            return
        }
        let deadline = Self.now() + 5
        while !serverIsRunning() && Self.now() < deadline {
            usleep(5_000)
        }
    }

    /// Makes the server look at the state now rather than at its next tick.
    func wakeServer() {
        if let pid = serverPID() { kill(pid, SIGUSR1) }
    }

    /// `pbs-emu server run|stop|status`.
    public func server(_ arguments: [String]) -> CommandOutput {
        switch arguments.first {
        case "run":
            var server = EmulatorServer(context: context)
            return CommandOutput(exitCode: server.run())
        case "stop":
            return stopServer()
        case "status":
            if let pid = serverPID() {
                return CommandOutput(stdout: "pbs-emu server running (pid \(pid)) for \(context.home)\n")
            }
            return CommandOutput(stdout: "pbs-emu server not running for \(context.home)\n", exitCode: 3)
        default:
            return CommandOutput(stderr: "usage: pbs-emu server run|stop|status\n", exitCode: 2)
        }
    }

    /// Stops the server: it deletes every unfinished job (running ones get SIGTERM, then SIGKILL after the
    /// kill delay) and exits; this waits for that. Without a server, job processes left by a dead one are
    /// killed here.
    private func stopServer() -> CommandOutput {
        if let pid = serverPID() {
            kill(pid, SIGTERM)
            let delay = (try? store.withLockedState(write: false) { $0.config.killDelay }) ?? 2
            let deadline = Self.now() + delay + 15
            while serverIsRunning() && Self.now() < deadline {
                usleep(10_000)
            }
            if serverIsRunning() {
                return CommandOutput(stderr: "pbs-emu: server \(pid) did not stop in time\n", exitCode: 1)
            }
            return CommandOutput(stdout: "pbs-emu server stopped\n")
        }
        do {
            try store.withLockedState { state in
                let now = Self.now()
                for index in state.jobs.indices where !state.jobs[index].isFinished {
                    if let end = state.jobs[index].processEnd {
                        // Its process was already gone (exit lag): it ends as it would have.
                        Scheduler.finishRun(&state.jobs[index], processStatus: end.status,
                                            cputSeconds: end.cputSeconds, memKB: end.memKB, endedAt: end.at, now: now)
                    } else if state.jobs[index].isRunning {
                        if let session = state.jobs[index].sessionID { ProcessLauncher.signalSession(session, SIGKILL) }
                        state.jobs[index].endReason = state.jobs[index].endReason ?? .deleted
                        Scheduler.finishRun(&state.jobs[index], processStatus: nil, cputSeconds: 0, memKB: 0,
                                            now: now)
                    } else {
                        Scheduler.finishUnstarted(&state.jobs[index], now: now)
                    }
                }
            }
        } catch {
            return Self.failure("pbs-emu", error)
        }
        return CommandOutput(stdout: "pbs-emu server not running\n")
    }
}
