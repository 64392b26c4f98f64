import PBSCore
import Subprocess
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs commands with swift-subprocess, each in its own process group.
///
/// The child gets its own process group (`setpgid(0, 0)`) so that a timeout reaches everything it started:
/// swift-subprocess' default teardown signals only the direct child, and `sh -c 'sleep 30'` would leave
/// `sleep` behind. On timeout the group gets SIGTERM, then SIGKILL after the grace period; after the child is
/// reaped the group gets one more SIGKILL so that a grandchild that ignored SIGTERM, or that the child left
/// running in the background, is not orphaned. A PBS client command has no business leaving processes behind.
public struct SubprocessCommandRunner: CommandRunner {
    /// Creates a runner.
    public init() {}

    public func run(_ invocation: CommandInvocation) async -> CommandOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        func outcome(
            _ termination: CommandOutcome.Termination, _ out: [UInt8] = [], _ err: [UInt8] = []
        ) -> CommandOutcome {
            CommandOutcome(
                command: invocation.argv, termination: termination, standardOutput: out, standardError: err,
                duration: clock.now - start
            )
        }

        var overrides: [Environment.Key: String?] = [:]
        for (name, value) in invocation.environment {
            guard !name.isEmpty, !name.contains("="), !name.contains("\0"), !value.contains("\0") else {
                return outcome(.launchFailed("invalid environment variable name \"\(name)\""))
            }
            overrides[Environment.Key(stringLiteral: name)] = value
        }
        if let bad = invocation.argv.first(where: { $0.contains("\0") }) {
            return outcome(.launchFailed("argument contains a NUL byte: \(bad.debugDescription)"))
        }

        var options = PlatformOptions()
        options.processGroupID = 0
        options.teardownSequence = [
            .send(signal: .terminate, toProcessGroup: true, allowedDurationToNextStep: invocation.killGracePeriod)
        ]
        let executable: Executable = invocation.executable.contains("/")
            ? .path(FilePath(invocation.executable)) : .name(invocation.executable)
        let configuration = Configuration(
            executable: executable,
            arguments: Arguments(invocation.arguments),
            environment: overrides.isEmpty ? .inherit : .inherit.updating(overrides),
            workingDirectory: invocation.workingDirectory.map { FilePath($0) },
            platformOptions: options
        )

        let processGroup = ProcessGroupBox()
        let race = await withTaskGroup(of: RaceResult.self, returning: (RaceResult, timedOut: Bool).self) { group in
            group.addTask {
                await Self.spawn(configuration, invocation: invocation, processGroup: processGroup)
            }
            group.addTask {
                do {
                    try await Task.sleep(for: invocation.timeout)
                    return .timerFired
                } catch {
                    return .timerCancelled
                }
            }
            var timedOut = false
            while let next = await group.next() {
                switch next {
                case .timerFired:
                    // Cancelling the run task makes swift-subprocess run the teardown sequence and reap.
                    timedOut = true
                    group.cancelAll()
                case .timerCancelled:
                    continue
                case .finished:
                    group.cancelAll()
                    return (next, timedOut)
                }
            }
            return (.timerCancelled, timedOut)
        }
        processGroup.killRemainingMembers()

        if race.timedOut { return outcome(.timedOut(invocation.timeout)) }
        if Task.isCancelled { return outcome(.cancelled) }
        guard case .finished(let result) = race.0 else {
            return outcome(.launchFailed("the command ended without a result"))
        }
        switch result {
        case .success(let finished):
            switch finished.status {
            case .exited(let code): return outcome(.exited(code), finished.stdout, finished.stderr)
            case .signaled(let signal): return outcome(.signaled(signal), finished.stdout, finished.stderr)
            }
        case .failure(let error):
            if let error = error as? SubprocessError, error.code == .outputLimitExceeded {
                let limit = Self.limit(of: error, invocation)
                let stream = invocation.outputLimit == invocation.errorLimit
                    ? "stdout or stderr" : (limit == invocation.errorLimit ? "stderr" : "stdout")
                return outcome(.outputTooLarge(stream: stream, limit: limit))
            }
            return outcome(.launchFailed("\(error)"))
        }
    }

    /// Which cap was hit: swift-subprocess only says so in its description ("... the limit of N bytes").
    private static func limit(of error: SubprocessError, _ invocation: CommandInvocation) -> Int {
        let numbers = "\(error)".split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        return numbers.last ?? invocation.outputLimit
    }

    private static func spawn(
        _ configuration: Configuration, invocation: CommandInvocation, processGroup: ProcessGroupBox
    ) async -> RaceResult {
        do {
            if let bytes = invocation.standardInput {
                return .finished(.success(try await collect(
                    configuration, input: .array(bytes), invocation: invocation, processGroup: processGroup
                )))
            }
            return .finished(.success(try await collect(
                configuration, input: .none, invocation: invocation, processGroup: processGroup
            )))
        } catch {
            return .finished(.failure(error))
        }
    }

    private static func collect<Input: InputProtocol>(
        _ configuration: Configuration, input: Input, invocation: CommandInvocation, processGroup: ProcessGroupBox
    ) async throws -> Finished {
        let result = try await Subprocess.run(
            configuration,
            input: input,
            output: .bytes(limit: invocation.outputLimit),
            error: .bytes(limit: invocation.errorLimit)
        ) { execution in
            processGroup.record(execution.processIdentifier.value)
        }
        return Finished(status: result.terminationStatus, stdout: result.standardOutput, stderr: result.standardError)
    }
}

private struct Finished: Sendable {
    var status: TerminationStatus
    var stdout: [UInt8]
    var stderr: [UInt8]
}

private enum RaceResult: Sendable {
    case finished(Result<Finished, any Error>)
    case timerFired
    case timerCancelled
}

/// The child's pid, which is also its process group id (the child ran `setpgid(0, 0)`).
private final class ProcessGroupBox: Sendable {
    private let pid = Mutex<pid_t?>(nil)

    func record(_ value: pid_t) {
        pid.withLock { $0 = value }
    }

    /// SIGKILL to whatever is left in the group. The group id cannot be reused while a member lives, and an
    /// empty group makes kill() fail harmlessly with ESRCH.
    func killRemainingMembers() {
        guard let group = pid.withLock({ $0 }), group > 1 else { return }
        _ = kill(-group, SIGKILL)
    }
}
