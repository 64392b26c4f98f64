import Foundation

/// Starts processes with posix_spawn in a new session, with default signal handling and an empty signal
/// mask (the server blocks the signals it waits for; children must not inherit that).
enum ProcessLauncher {
    // glibc's <spawn.h> values; Swift's Glibc module hides the GNU ones.
    private static let setSignalDefault: Int32 = 0x04
    private static let setSignalMask: Int32 = 0x08
    private static let setSession: Int32 = 0x80

    private typealias AddChdir = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
    ) -> Int32
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Spawns `argv` with `environment` in `directory`; fd 0 is /dev/null, fds 1 and 2 are `stdoutFD` and
    /// `stderrFD` (not closed here). Returns the pid, which is also the new session and process group id.
    static func spawn(
        _ argv: [String], environment: [String], directory: String, stdoutFD: Int32, stderrFD: Int32
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrFD, 2)
        closeInheritedDescriptors(&actions)
        var arguments = argv
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np") {
            let addChdir = unsafeBitCast(symbol, to: AddChdir.self)
            _ = addChdir(&actions, directory)
        } else {
            arguments = ["/bin/sh", "-c", "cd \"$0\" 2>/dev/null; exec \"$@\"", directory] + argv
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(setSignalDefault | setSignalMask | setSession))

        let cArguments = arguments.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = arguments[0].contains("/")
            ? posix_spawn(&pid, arguments[0], &actions, &attributes, cArguments, cEnvironment)
            : posix_spawnp(&pid, arguments[0], &actions, &attributes, cArguments, cEnvironment)
        guard result == 0 else {
            throw EmulatorError("cannot start \(arguments[0]): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Nothing but fds 0-2 may reach a child: a descriptor inherited from whoever ran qsub (Foundation's
    /// Process keeps a socket to notice its child's exit) would otherwise live on in the server and the jobs.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 {
            posix_spawn_file_actions_addclose(&actions, fd)
        }
    }

    /// Sends `signal` to every process of `session`, as a PBS mom signals every task of a job: the leader's
    /// process group, and every other process whose session id is `session` (found in /proc). Job scripts
    /// that run `set -m` put their background children (ipcontroller, mpirun) into process groups of their
    /// own, which a signal to the leader's group alone leaves running, orphaned, after the job ended.
    /// A session id cannot be reused while any process still has it, so the scan never hits a stranger.
    static func signalSession(_ session: pid_t, _ signal: Int32) {
        guard session > 0 else { return }
        kill(-session, signal)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in entries.compactMap(pid_t.init) where pid != session && sessionID(of: pid) == session {
            kill(pid, signal)
        }
    }

    /// The session id of `pid` (field 6 of /proc/PID/stat), or nil when it is gone.
    private static func sessionID(of pid: pid_t) -> pid_t? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let nameEnd = stat.lastIndex(of: ")") else { return nil }
        // After the name: state, ppid, pgrp, session.
        let fields = stat[stat.index(after: nameEnd)...].split(separator: " ")
        return fields.count > 3 ? pid_t(fields[3]) : nil
    }

    /// Opens (creating) a file for a child's output, close-on-exec in this process.
    static func openOutput(_ path: String, append: Bool) -> Int32 {
        open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0o644)
    }
}
