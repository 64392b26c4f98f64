import ArgumentParser
import PBSCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `clusterd inspect-qstat`: parses saved qstat output and prints one JSON object per job.
struct InspectQstat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect-qstat",
        abstract: "Parse saved qstat output and print one JSON object per job.",
        discussion: """
            Reads raw qstat output (`qstat -f -F json`, `qstat -f`, Torque `qstat -x`, or the Slurm wrapper's \
            `qstat -f`) from FILE or standard input. Exits 1 with the format, line, byte offset and an \
            excerpt when the input is invalid, truncated or binary.
            """
    )

    /// `--dialect`: the format of the input, or `auto` to guess it from the first bytes.
    enum Dialect: String, ExpressibleByArgument, CaseIterable {
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

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try RawFile.readAll(path: file == "-" ? nil : file)
        } catch {
            RawFile.writeStandardError("clusterd inspect-qstat: \(error)\n")
            throw ExitCode.failure
        }
        do {
            let output = try QstatInspection.run(bytes, format: dialect.format)
            try RawFile.writeStandardOutput(output)
        } catch let error as QstatInspectionError {
            let source = file == "-" ? "standard input" : file
            RawFile.writeStandardError("clusterd inspect-qstat: \(source): \(error)\n")
            throw ExitCode.failure
        } catch {
            RawFile.writeStandardError("clusterd inspect-qstat: \(error)\n")
            throw ExitCode.failure
        }
    }
}

/// Whole-file reads and writes with one system call each where the kernel allows it.
enum RawFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads a file (or standard input when `path` is nil) into memory.
    static func readAll(path: String?) throws(Failure) -> [UInt8] {
        let descriptor: Int32
        if let path {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))")
            }
        } else {
            descriptor = STDIN_FILENO
        }
        defer { if path != nil { close(descriptor) } }
        var status = stat()
        var capacity = 1 << 16
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
            capacity = max(Int(status.st_size) + 1, 1)  // +1 so the read that sees end-of-file needs no growth
        }
        var bytes = [UInt8](repeating: 0, count: capacity)
        var filled = 0
        while true {
            if filled == bytes.count {
                bytes.append(contentsOf: repeatElement(0, count: bytes.count))
            }
            let got = bytes.withUnsafeMutableBytes { buffer in
                read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(path ?? "standard input"): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    static func writeStandardOutput(_ bytes: [UInt8]) throws(Failure) {
        if !write(STDOUT_FILENO, bytes) {
            throw Failure(description: "cannot write standard output: \(String(cString: strerror(errno)))")
        }
    }

    static func writeStandardError(_ text: String) {
        _ = write(STDERR_FILENO, Array(text.utf8))
    }

    private static func write(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var written = 0
            while written < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += count
            }
            return true
        }
    }
}
