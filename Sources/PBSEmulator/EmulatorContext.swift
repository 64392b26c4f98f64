import Foundation

/// Where the emulator keeps its state and who is calling: everything a command needs from its process.
public struct EmulatorContext: Sendable {
    /// The state directory (`PBS_EMU_HOME`).
    public var home: String
    /// The server name used in job ids (`PBS_EMU_SERVER`, default the short host name).
    public var serverName: String
    /// The short host name: submit and execution host.
    public var hostName: String
    public var userName: String
    public var userHome: String
    public var environment: [String: String]
    public var workingDirectory: String
    /// The pbs-emu executable, used to start the server.
    public var executablePath: String

    public init(
        home: String, serverName: String, hostName: String, userName: String, userHome: String,
        environment: [String: String], workingDirectory: String, executablePath: String
    ) {
        self.home = home
        self.serverName = serverName
        self.hostName = hostName
        self.userName = userName
        self.userHome = userHome
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.executablePath = executablePath
    }

    /// The context of the running process, from its environment.
    public static func current() -> EmulatorContext {
        let environment = ProcessInfo.processInfo.environment
        let host = shortHostName()
        var userName = environment["USER"] ?? "user"
        var userHome = environment["HOME"] ?? "/"
        if let entry = getpwuid(geteuid()) {
            userName = String(cString: entry.pointee.pw_name)
            if environment["HOME"] == nil { userHome = String(cString: entry.pointee.pw_dir) }
        }
        let home: String
        if let explicit = environment["PBS_EMU_HOME"], !explicit.isEmpty {
            home = explicit
        } else if let state = environment["XDG_STATE_HOME"], !state.isEmpty {
            home = state + "/pbs-emu"
        } else {
            home = userHome + "/.local/state/pbs-emu"
        }
        let server = environment["PBS_EMU_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? host
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return EmulatorContext(
            home: home, serverName: server, hostName: host, userName: userName, userHome: userHome,
            environment: environment, workingDirectory: FileManager.default.currentDirectoryPath,
            executablePath: executable
        )
    }

    /// `gethostname` up to the first dot.
    public static func shortHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        let name = String(decoding: bytes, as: UTF8.self)
        return String(name.split(separator: ".").first ?? "localhost")
    }

    var stateFile: String { home + "/state.json" }
    var lockFile: String { home + "/lock" }
    var serverLockFile: String { home + "/server.lock" }
    var pidFile: String { home + "/server.pid" }
    var logFile: String { home + "/server.log" }
    var spoolDirectory: String { home + "/spool" }
    var auxDirectory: String { home + "/aux" }
    var tmpDirectory: String { home + "/tmp" }

    /// `<seq>.<server>`.
    func jobID(_ seq: Int) -> String { "\(seq).\(serverName)" }
}
