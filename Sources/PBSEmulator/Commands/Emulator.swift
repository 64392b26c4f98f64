import Foundation

/// The emulated PBS commands over one state directory. Each method is one command invocation.
public struct Emulator: Sendable {
    public let context: EmulatorContext

    public init(context: EmulatorContext) {
        self.context = context
    }

    var store: StateStore { StateStore(context: context) }

    /// Counts the call, then applies the `slow` fault; returns the faults in force.
    func enter(_ command: String) throws -> FaultSettings {
        let faults = try store.withLockedState { state -> FaultSettings in
            state.stats[command, default: 0] += 1
            return state.faults
        }
        if faults.slow > 0 {
            usleep(UInt32(min(faults.slow, 3600) * 1_000_000))
        }
        return faults
    }

    /// What qstat, qsub, qdel, qhold and qrls print when the server does not answer.
    func serverDown(_ command: String) -> CommandOutput {
        let server = context.serverName
        switch command {
        case "qstat":
            return CommandOutput(
                stderr: "Connection refused\nqstat: cannot connect to server \(server) (errno=15010)\n",
                exitCode: 255
            )
        case "qdel":
            return CommandOutput(stderr: "Connection refused\nqdel: Couldn't connect to cluster: \(server)\n",
                                 exitCode: 162)
        default:
            return CommandOutput(
                stderr: "Connection refused\n\(command): cannot connect to server \(server) (errno=15010)\n",
                exitCode: 162
            )
        }
    }

    /// True when `job` is hidden: vanished by a fault, or in history on a server without history.
    static func isHidden(_ job: EmulatedJob, faults: FaultSettings) -> Bool {
        faults.vanished.contains(job.seq) || (faults.noHistory && job.isFinished)
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// Wraps an emulator failure (not an emulated PBS error) as output.
    static func failure(_ command: String, _ error: any Error) -> CommandOutput {
        CommandOutput(stderr: "\(command): \(error)\n", exitCode: 1)
    }
}
