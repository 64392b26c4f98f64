import PBSCore

/// One program to run: argv (never a shell), optional standard input, environment overrides, limits.
public struct CommandInvocation: Sendable, Equatable {
    /// A path (anything containing `/`) or a bare name looked up in `PATH`.
    public var executable: String
    /// Arguments after the program name.
    public var arguments: [String]
    /// Bytes written to standard input, then closed; nil gives the child an empty standard input.
    public var standardInput: [UInt8]?
    /// Variables added to (or replacing those of) the daemon's environment.
    public var environment: [String: String]
    /// Working directory; nil inherits the daemon's.
    public var workingDirectory: String?
    /// After this, the child's process group gets SIGTERM, then SIGKILL after `killGracePeriod`.
    public var timeout: Duration
    /// Time between SIGTERM and SIGKILL on timeout.
    public var killGracePeriod: Duration
    /// Most bytes of standard output kept; more is `.outputTooLarge`, never silently cut.
    public var outputLimit: Int
    /// Most bytes of standard error kept; more is `.outputTooLarge`.
    public var errorLimit: Int

    /// Creates an invocation. The caps default to 64 MiB (stdout) and 1 MiB (stderr).
    public init(
        executable: String, arguments: [String] = [], standardInput: [UInt8]? = nil,
        environment: [String: String] = [:], workingDirectory: String? = nil, timeout: Duration = .seconds(60),
        killGracePeriod: Duration = .seconds(2), outputLimit: Int = 64 << 20, errorLimit: Int = 1 << 20
    ) {
        self.executable = executable
        self.arguments = arguments
        self.standardInput = standardInput
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
        self.killGracePeriod = killGracePeriod
        self.outputLimit = outputLimit
        self.errorLimit = errorLimit
    }

    /// Executable and arguments, for messages.
    public var argv: [String] { [executable] + arguments }
}

/// Runs external programs. Behind a protocol so the PBS client can be tested with canned outcomes.
public protocol CommandRunner: Sendable {
    /// Runs `invocation` to completion (or timeout) and reports how it ended. Never throws: failures to
    /// start are `.launchFailed` outcomes.
    func run(_ invocation: CommandInvocation) async -> CommandOutcome
}
