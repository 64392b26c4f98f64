import ClusterDaemon
import Foundation
import PBSCore
import Testing
import TestSupport

/// The real runner against real programs.
@Suite("SubprocessCommandRunner")
struct PBSCommandRunnerTests {
    let runner = SubprocessCommandRunner()

    @Test func echoCapturesStdoutAndExitZero() async {
        let outcome = await runner.run(CommandInvocation(executable: "/bin/echo", arguments: ["hello", "a b"]))
        #expect(outcome.termination == .exited(0))
        #expect(outcome.stdoutText == "hello a b\n")
        #expect(outcome.standardError.isEmpty)
        #expect(outcome.command == ["/bin/echo", "hello", "a b"])
        #expect(outcome.duration > .zero)
    }

    @Test func nonZeroExitAndStderr() async {
        let outcome = await runner.run(CommandInvocation(
            executable: "/bin/sh", arguments: ["-c", "echo oops >&2; exit 3"]
        ))
        #expect(outcome.termination == .exited(3))
        #expect(outcome.stderrText == "oops\n")
        #expect(outcome.exitCode == 3)
    }

    @Test func argumentsAreNotInterpretedByAShell() async {
        let outcome = await runner.run(CommandInvocation(
            executable: "/bin/echo", arguments: ["$HOME", "`id`", "a;b", "*"]
        ))
        #expect(outcome.stdoutText == "$HOME `id` a;b *\n")
    }

    @Test func nameIsResolvedThroughPATH() async {
        let outcome = await runner.run(CommandInvocation(executable: "echo", arguments: ["via", "path"]))
        #expect(outcome.termination == .exited(0))
        #expect(outcome.stdoutText == "via path\n")
    }

    @Test func environmentOverridesReachTheChild() async {
        let outcome = await runner.run(CommandInvocation(
            executable: "/bin/sh", arguments: ["-c", "printf %s \"$CLUSTERD_TEST_VAR\""],
            environment: ["CLUSTERD_TEST_VAR": "x y,z"]
        ))
        #expect(outcome.stdoutText == "x y,z")
    }

    @Test func standardInputRoundTrip() async {
        var bytes = Array("#!/bin/sh\n#PBS -N test\necho 'ü'\n".utf8)
        bytes += (0..<200_000).map { UInt8($0 % 251) }
        let outcome = await runner.run(CommandInvocation(executable: "/bin/cat", standardInput: bytes))
        #expect(outcome.termination == .exited(0))
        #expect(outcome.standardOutput == bytes)
    }

    @Test func noStandardInputMeansEmptyInput() async {
        let outcome = await runner.run(CommandInvocation(executable: "/bin/cat", timeout: .seconds(5)))
        #expect(outcome.termination == .exited(0))
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test func missingExecutableIsALaunchFailure() async {
        for executable in ["/nonexistent/qstat", "clusterd-no-such-program"] {
            let outcome = await runner.run(CommandInvocation(executable: executable))
            guard case .launchFailed(let reason) = outcome.termination else {
                Issue.record("expected launchFailed for \(executable), got \(outcome.termination)")
                continue
            }
            #expect(reason.contains("clusterd-no-such-program") || reason.contains("/nonexistent/qstat"))
            #expect(outcome.summary.contains("could not be started"))
        }
    }

    @Test func signalledChildIsReported() async {
        let outcome = await runner.run(CommandInvocation(executable: "/bin/sh", arguments: ["-c", "kill -9 $$"]))
        #expect(outcome.termination == .signaled(9))
    }

    @Test func outputOverTheCapIsDistinct() async {
        let outcome = await runner.run(CommandInvocation(
            executable: "/bin/sh", arguments: ["-c", "head -c 100000 /dev/zero"], outputLimit: 1000, errorLimit: 500
        ))
        #expect(outcome.termination == .outputTooLarge(stream: "stdout", limit: 1000))
        #expect(outcome.standardOutput.isEmpty)
    }

    @Test func outputExactlyAtTheCapIsKept() async {
        let outcome = await runner.run(CommandInvocation(
            executable: "/bin/sh", arguments: ["-c", "head -c 1000 /dev/zero"], outputLimit: 1000
        ))
        #expect(outcome.termination == .exited(0))
        #expect(outcome.standardOutput.count == 1000)
    }

    @Test func stderrOverItsCapIsDistinct() async {
        let outcome = await runner.run(CommandInvocation(
            executable: "/bin/sh", arguments: ["-c", "head -c 5000 /dev/zero >&2"], outputLimit: 1000, errorLimit: 500
        ))
        #expect(outcome.termination == .outputTooLarge(stream: "stderr", limit: 500))
    }

    /// A hung command and everything it started are gone after the timeout: the test records the pids of the
    /// shell and both sleeps, then checks with kill(pid, 0).
    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        let dir = try TemporaryDirectory()
        let pidFile = dir.path + "/pids"
        let script = "sleep 30 & echo $! >> '\(pidFile)'; echo $$ >> '\(pidFile)'; "
            + "sh -c 'echo $$ >> \"\(pidFile)\"; exec sleep 30' & wait"
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = await runner.run(CommandInvocation(
            executable: "/bin/sh", arguments: ["-c", script], timeout: .milliseconds(500),
            killGracePeriod: .milliseconds(300)
        ))
        let elapsed = clock.now - start
        #expect(outcome.termination == .timedOut(.milliseconds(500)))
        // Well below the 30 s hang; generous because parallel tests on 2 cores can starve the timer.
        #expect(elapsed < .seconds(20))
        let pids = try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(pids.count == 3)
        for pid in pids {
            try await waitUntilGone(pid)
            #expect(!isAlive(pid), "pid \(pid) survived the timeout")
        }
    }

    /// A grandchild that ignores SIGTERM is still killed (SIGKILL to the group after the leader is reaped).
    @Test func timeoutKillsAGrandchildThatIgnoresSIGTERM() async throws {
        let dir = try TemporaryDirectory()
        let pidFile = dir.path + "/pid"
        let script = "sh -c 'trap \"\" TERM; echo $$ > \"\(pidFile)\"; while :; do sleep 1; done' & wait"
        let outcome = await runner.run(CommandInvocation(
            executable: "/bin/sh", arguments: ["-c", script], timeout: .milliseconds(400),
            killGracePeriod: .milliseconds(200)
        ))
        #expect(outcome.termination == .timedOut(.milliseconds(400)))
        let pid = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)))
        try await waitUntilGone(pid)
        #expect(!isAlive(pid))
    }

    /// A background process left behind by a command that exited normally does not outlive the call.
    @Test func backgroundLeftoverOfANormalExitIsKilled() async throws {
        let dir = try TemporaryDirectory()
        let pidFile = dir.path + "/pid"
        let script = "sleep 30 >/dev/null 2>&1 & echo $! > '\(pidFile)'; exit 0"
        let outcome = await runner.run(CommandInvocation(executable: "/bin/sh", arguments: ["-c", script]))
        #expect(outcome.termination == .exited(0))
        let pid = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)))
        try await waitUntilGone(pid)
        #expect(!isAlive(pid))
    }

    @Test func manyConcurrentRuns() async {
        let outcomes = await withTaskGroup(of: CommandOutcome.self, returning: [CommandOutcome].self) { group in
            for index in 0..<20 {
                group.addTask {
                    await runner.run(CommandInvocation(executable: "/bin/echo", arguments: ["\(index)"]))
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 20)
        #expect(Set(outcomes.map(\.stdoutText)) == Set((0..<20).map { "\($0)\n" }))
    }
}

/// True while `pid` exists and is not a zombie we could still reap (kill(pid, 0) succeeds for zombies too, so
/// /proc state is checked).
func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    // Field 3 (after the parenthesised command) is the state; Z is a zombie waiting for init to reap it.
    guard let close = status.lastIndex(of: ")") else { return true }
    let state = status[status.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return state != "Z"
}

/// Waits up to 3 s for `pid` to disappear (SIGKILL delivery and reaping by init are asynchronous).
func waitUntilGone(_ pid: Int32) async throws {
    for _ in 0..<60 where isAlive(pid) {
        try await Task.sleep(for: .milliseconds(50))
    }
}

@Suite("SubprocessCommandRunner cancellation")
struct PBSCommandRunnerCancellationTests {
    /// Cancelling the caller (daemon shutdown) kills the child at once and says so.
    @Test func cancellingTheCallerKillsTheChild() async throws {
        let dir = try TemporaryDirectory()
        let pidFile = dir.path + "/pid"
        let task = Task {
            await SubprocessCommandRunner().run(CommandInvocation(
                executable: "/bin/sh", arguments: ["-c", "echo $$ > '\(pidFile)'; exec sleep 30"],
                timeout: .seconds(20), killGracePeriod: .milliseconds(200)
            ))
        }
        var pid: Int32?
        for _ in 0..<100 where pid == nil {
            try await Task.sleep(for: .milliseconds(20))
            pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        task.cancel()
        let outcome = await task.value
        #expect(outcome.termination == .cancelled)
        let child = try #require(pid)
        try await waitUntilGone(child)
        #expect(!isAlive(child))
    }
}
