import Foundation

/// Entry point of the `pbs-emu` executable: dispatches on the name it was called by (`qsub`, `qstat`, ...
/// through symlinks) or on its first argument.
public enum PBSEmu {
    static let usage = """
        usage: pbs-emu qsub|qstat|qselect|qdel|qhold|qrls [args...]   (or through symlinks with those names)
               pbs-emu server run|stop|status
               pbs-emu fault list|clear|<name> ...            (pbs-emu fault --help)
               pbs-emu kill <id> --exit <status>
               pbs-emu config [<setting> <value>]             (pbs-emu config --help)
               pbs-emu stats [reset]
               pbs-emu install-links <bindir>
        State directory: $PBS_EMU_HOME (default $XDG_STATE_HOME/pbs-emu or ~/.local/state/pbs-emu).
        Server name: $PBS_EMU_SERVER (default the short host name).

        """

    /// Runs one invocation; `arguments[0]` is the program name. `stdin` is read only by qsub without a script.
    public static func run(
        _ arguments: [String], context: EmulatorContext, stdin: () -> [UInt8]
    ) -> CommandOutput {
        let emulator = Emulator(context: context)
        let invokedAs = URL(fileURLWithPath: arguments.first ?? "pbs-emu").lastPathComponent
        var rest = Array(arguments.dropFirst())
        var command = invokedAs
        if !Emulator.commandNames.contains(invokedAs) {
            guard let first = rest.first else { return CommandOutput(stderr: usage, exitCode: 2) }
            command = first
            rest.removeFirst()
        }
        switch command {
        case "qsub": return emulator.qsub(rest, stdin: stdin)
        case "qstat": return emulator.qstat(rest)
        case "qdel": return emulator.qdel(rest)
        case "qselect": return emulator.qselect(rest)
        case "qhold", "qrls": return emulator.holdOrRelease(command, rest)
        case "server": return emulator.server(rest)
        case "fault": return emulator.fault(rest)
        case "kill": return emulator.killJob(rest)
        case "config": return emulator.config(rest)
        case "stats": return emulator.stats(rest)
        case "install-links": return emulator.installLinks(rest)
        case "help", "--help", "-h": return CommandOutput(stdout: usage)
        default: return CommandOutput(stderr: "pbs-emu: unknown command \(command)\n" + usage, exitCode: 2)
        }
    }

    /// Runs the current process's command line, prints its output and returns the exit code.
    public static func main() -> Int32 {
        let output = run(CommandLine.arguments, context: .current()) {
            Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        if !output.stdout.isEmpty { FileHandle.standardOutput.write(Data(output.stdout)) }
        if !output.stderr.isEmpty { FileHandle.standardError.write(Data(output.stderr.utf8)) }
        return output.exitCode
    }
}
