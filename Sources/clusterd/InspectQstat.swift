import POSIXSupport
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
        let source = file == "-" ? "standard input" : file
        do {
            var written = true
            try RawFile.withContents(path: file == "-" ? nil : file) { bytes in
                try QstatInspection.run(bytes, format: dialect.format) { written = RawFile.writeStandardOutput($0) }
            }
            if !written {
                RawFile.writeStandardError(
                    "clusterd inspect-qstat: cannot write standard output: \(String(cString: strerror(errno)))\n"
                )
                throw ExitCode.failure
            }
        } catch let error as QstatInspectionError {
            RawFile.writeStandardError("clusterd inspect-qstat: \(source): \(error)\n")
            throw ExitCode.failure
        } catch let error as RawFile.Failure {
            RawFile.writeStandardError("clusterd inspect-qstat: \(error)\n")
            throw ExitCode.failure
        }
    }
}

/// Whole-file input (mapped or read) and raw writes of the output.
enum RawFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Calls `body` with the whole file: a regular file is mapped (no copy), standard input or a pipe is
    /// read into memory.
    static func withContents<T>(
        path: String?, _ body: (UnsafeBufferPointer<UInt8>) throws -> T
    ) throws -> T {
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
        if fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0,
           let mapped = mmap(nil, Int(status.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, descriptor, 0),
           mapped != MAP_FAILED
        {
            defer { munmap(mapped, Int(status.st_size)) }
            let bytes = UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self),
                                            count: Int(status.st_size))
            return try body(bytes)
        }
        let bytes = try readAll(descriptor, name: path ?? "standard input")
        return try bytes.withUnsafeBufferPointer { try body($0) }
    }

    private static func readAll(_ descriptor: Int32, name: String) throws(Failure) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
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
                throw Failure(description: "cannot read \(name): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// Writes all of `bytes` to standard output; false on a write error.
    static func writeStandardOutput(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        Console.writeAll(UnsafeRawBufferPointer(bytes), to: STDOUT_FILENO) == nil
    }

    static func writeStandardError(_ text: String) {
        Console.write(text, fd: STDERR_FILENO)
    }
}
