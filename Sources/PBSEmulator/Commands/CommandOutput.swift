/// What one emulated command printed and the exit code it returns.
public struct CommandOutput: Sendable, Equatable {
    public var stdout: [UInt8]
    public var stderr: String
    public var exitCode: Int32

    public init(stdout: String = "", stderr: String = "", exitCode: Int32 = 0) {
        self.stdout = Array(stdout.utf8)
        self.stderr = stderr
        self.exitCode = exitCode
    }

    public init(bytes: [UInt8], stderr: String = "", exitCode: Int32 = 0) {
        self.stdout = bytes
        self.stderr = stderr
        self.exitCode = exitCode
    }

    /// stdout decoded as UTF-8 (lossy).
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}
