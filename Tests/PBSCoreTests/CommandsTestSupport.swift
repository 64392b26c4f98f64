import Foundation
import PBSCore

/// A real capture from Fixtures/openpbs-23.06-local: header lines, then stdout and stderr with byte counts.
struct CapturedRun {
    var command: String
    var exitCode: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]

    /// The capture as the runner would have reported it.
    var outcome: CommandOutcome {
        CommandOutcome(
            command: command.split(separator: " ").map(String.init), termination: .exited(exitCode),
            standardOutput: stdout, standardError: stderr
        )
    }

    init(fixture name: String) throws {
        let bytes = try fixtureBytes(name)
        func find(_ marker: String, from start: Int) throws -> Range<Int> {
            let needle = Array(marker.utf8)
            var index = start
            while index + needle.count <= bytes.count {
                if Array(bytes[index..<index + needle.count]) == needle { return index..<index + needle.count }
                index += 1
            }
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "no \(marker) in \(name)"])
        }
        func section(_ marker: String, from start: Int) throws -> (bytes: [UInt8], end: Int) {
            let head = try find(marker, from: start)
            let close = try find(" bytes) -----\n", from: head.upperBound)
            let count = Int(String(decoding: bytes[head.upperBound..<close.lowerBound], as: UTF8.self))!
            let body = close.upperBound
            return (Array(bytes[body..<body + count]), body + count)
        }
        let header = String(decoding: bytes[..<(try find("----- stdout (", from: 0)).lowerBound], as: UTF8.self)
        var command = ""
        var exitCode: Int32 = -1
        for line in header.split(separator: "\n") {
            if line.hasPrefix("command: ") { command = String(line.dropFirst("command: ".count)) }
            if line.hasPrefix("exit_code: ") { exitCode = Int32(line.dropFirst("exit_code: ".count))! }
        }
        let out = try section("----- stdout (", from: 0)
        let err = try section("----- stderr (", from: out.end)
        self.command = command
        self.exitCode = exitCode
        self.stdout = out.bytes
        self.stderr = err.bytes
    }
}

/// The bytes of a file under Tests/PBSCoreTests/Fixtures.
func fixtureBytes(_ name: String) throws -> [UInt8] {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    return Array(try Data(contentsOf: directory.appendingPathComponent(name)))
}

/// True once the real qstat parsers (branch `parsers`) are merged; the placeholder throws for everything.
/// Tests that feed real qstat output through `QstatCommand` are enabled only then.
let parsersAvailable: Bool = {
    let sample = Array("Job Id: 1.vm\n    Job_Name = x\n    job_state = R\n    queue = workq\n\n".utf8)
    return (try? QstatParser.parse(sample, format: .pbsText)) != nil
}()

extension PBSQueryResult {
    /// The answer, or nil for a failure.
    var answer: [String: PBSJobObservation]? {
        if case .answered(let answer) = self { return answer }
        return nil
    }

    /// The failure, or nil for an answer.
    var failure: PBSQueryFailure? {
        if case .failed(let failure) = self { return failure }
        return nil
    }
}

extension PBSJobObservation {
    /// The job, or nil for `.unknown`.
    var job: PBSJob? {
        if case .found(let job) = self { return job }
        return nil
    }
}
