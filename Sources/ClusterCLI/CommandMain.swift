import POSIXSupport
import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif

/// Exit codes shared by clusterd and clusterctl. Usage errors exit 2 as in most Unix tools (not sysexits' 64).
public enum ToolExit {
    public static let usage: Int32 = 2

    /// Parses the command line of `Root`, runs the chosen subcommand and exits with the tools' conventions.
    public static func main<Root: ParsableCommand>(_ root: Root.Type) async -> Never {
        exit(await run(root, arguments: Array(CommandLine.arguments.dropFirst())))
    }

    /// Parses `arguments`, runs the chosen subcommand and answers its exit code; help, version and errors go to
    /// `CommandOutput.current` (so tests run commands in process exactly as the executables do).
    public static func run<Root: ParsableCommand>(_ root: Root.Type, arguments: [String]) async -> Int32 {
        let arguments = (root as? any CommandLineRewriting.Type)?.rewritten(arguments) ?? arguments
        do {
            var command = try root.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            let code = root.exitCode(for: error)
            let message = root.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { CommandOutput.current.line(message) }
                return 0
            }
            if !message.isEmpty { CommandOutput.current.standardError(message) }
            return code == .validationFailure ? usage : code.rawValue
        }
    }
}

/// A root command that adjusts its command line before argument-parser reads it.
public protocol CommandLineRewriting {
    /// The arguments (without the program name) as argument-parser should see them.
    static func rewritten(_ arguments: [String]) -> [String]
}

extension ToolExit {
    /// Keeps the Swift runtime out of the user's journal. On Linux, Swift 6.3's libdispatch gives each new worker
    /// thread the nice value of its queue's QoS (-4 for its manager thread, 0 for default work) and, when a
    /// non-root user may not lower it (EACCES), says so with syslog(LOG_NOTICE): "Failed to set thread priority
    /// for worker thread" (swift-corelibs-libdispatch src/queue.c, `_dispatch_worker_thread`). Neither tool logs
    /// through syslog(3) (the journal gets sd_journal_sendv), so only warnings and worse pass. Call it
    /// synchronously, first in `main`: the first `await` can already start the worker thread whose failure is
    /// logged. `LIBDISPATCH_LOG=stderr` still shows libdispatch's messages when debugging.
    public static func quietRuntimeSyslog() {
        #if os(Linux)
        _ = setlogmask((1 << (LOG_WARNING + 1)) - 1)  // LOG_UPTO(LOG_WARNING); Swift does not import the macro
        #endif
    }
}
