import ArgumentParser
import PBSCore
import POSIXSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `clusterd inspect-qstat`: parses saved qstat output and prints one JSON object per job.
public struct InspectQstat: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "inspect-qstat",
        abstract: "Parse saved qstat output and print one JSON object per job.",
        discussion: """
            Reads raw qstat output (`qstat -f -F json`, `qstat -f`, Torque `qstat -x`, or the Slurm wrapper's \
            `qstat -f`) from FILE or standard input. Exits 1 with the format, line, byte offset and an \
            excerpt when the input is invalid, truncated or binary.
            """
    )

    /// `--dialect`: the format of the input, or `auto` to guess it from the first bytes.
    public enum Dialect: String, ExpressibleByArgument, CaseIterable, Sendable {
        case auto
        case openpbsJSON = "openpbs-json"
        case pbsText = "pbs-text"
        case torqueXML = "torque-xml"

        var format: QstatFormat? {
            switch self {
            case .auto: nil
            case .openpbsJSON: .openpbsJSON
            case .pbsText: .pbsText
            case .torqueXML: .torqueXML
            }
        }
    }

    @Option(help: "Input format: auto, openpbs-json, pbs-text or torque-xml.")
    var dialect: Dialect = .auto

    @Argument(help: "A file holding qstat output; '-' or nothing reads standard input.")
    var file: String = "-"

    public init() {}

    public func run() throws {
        let output = CommandOutput.current
        let source = file == "-" ? "standard input" : file
        var failure: Int32?
        do {
            try FileIO.withContents(of: file == "-" ? nil : file) { bytes in
                try QstatInspection.run(bytes, format: dialect.format) { piece in
                    if failure == nil { failure = output.standardOutput(UnsafeRawBufferPointer(piece)) }
                }
            }
        } catch let error as QstatInspectionError {
            output.standardError("clusterd inspect-qstat: \(source): \(error)")
            throw ExitCode.failure
        } catch let error as FileError {
            let verb = error.step == "read" ? "read" : "open"
            output.standardError("clusterd inspect-qstat: cannot \(verb) \(error.path): \(error.reason)")
            throw ExitCode.failure
        }
        if let failure {
            output.standardError("clusterd inspect-qstat: cannot write standard output: "
                + String(cString: strerror(failure)))
            throw ExitCode.failure
        }
    }
}
