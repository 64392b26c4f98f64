import Foundation
import PBSEmulator

/// One real capture from Tests/PBSCoreTests/Fixtures/openpbs-23.06-local: command, exit code, stdout, stderr.
struct Capture {
    var command: String
    var exitCode: Int32
    var stdout: String
    var stderr: String

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PBSCoreTests/Fixtures/openpbs-23.06-local")

    static func load(_ name: String) throws -> Capture {
        let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
        var command = ""
        var exitCode: Int32 = -1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("command: ") { command = String(line.dropFirst("command: ".count)) }
            if line.hasPrefix("exit_code: ") { exitCode = Int32(line.dropFirst("exit_code: ".count)) ?? -1 }
        }
        return Capture(command: command, exitCode: exitCode, stdout: try section(text, "stdout"),
                       stderr: try section(text, "stderr"))
    }

    /// The bytes between `----- <name> (N bytes) -----\n` and the next section, cut to N bytes.
    private static func section(_ text: String, _ name: String) throws -> String {
        guard let start = text.range(of: "----- \(name) (") else { throw FixtureError("no \(name) section") }
        let header = text[start.upperBound...]
        guard let close = header.range(of: " bytes) -----\n"), let count = Int(header[..<close.lowerBound]) else {
            throw FixtureError("bad \(name) header")
        }
        let body = Array(header[close.upperBound...].utf8).prefix(count)
        return String(decoding: body, as: UTF8.self)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A small reader of `qstat -f` text into jobs: `Job Id:` blocks, `    key = value`, TAB continuations.
enum FullTextReader {
    static func jobs(_ text: String) -> [QstatJob] {
        var jobs: [QstatJob] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("Job Id: ") {
                jobs.append(QstatJob(id: String(line.dropFirst("Job Id: ".count)), attributes: []))
            } else if line.hasPrefix("\t"), !jobs.isEmpty, !jobs[jobs.count - 1].attributes.isEmpty {
                jobs[jobs.count - 1].attributes[jobs[jobs.count - 1].attributes.count - 1].value += line.dropFirst()
            } else if line.hasPrefix("    "), let equals = line.range(of: " = ") {
                let key = line[line.index(line.startIndex, offsetBy: 4)..<equals.lowerBound]
                let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
                let attribute = QstatAttribute(parts[0], resource: parts.count > 1 ? parts[1] : nil,
                                             String(line[equals.upperBound...]))
                jobs[jobs.count - 1].attributes.append(attribute)
            }
        }
        return jobs
    }

    /// Attribute names in order (`Resource_List.ncpus` style).
    static func keys(_ job: QstatJob) -> [String] {
        job.attributes.map(\.fullName)
    }
}

/// Key paths of a TAB-indented qstat JSON job object, in order: `Job_Name`, `Resource_List.ncpus`,
/// `Variable_List.PBS_O_HOME`, ... (read by indentation, as the format is fixed).
enum JSONKeyReader {
    static func keys(_ json: String, job: String) -> [String] {
        var keys: [String] = []
        var inJob = false
        var parent: String?
        for line in json.split(separator: "\n") {
            let depth = line.prefix { $0 == "\t" }.count
            let body = line.dropFirst(depth)
            if depth == 2 {
                inJob = body.hasPrefix("\"\(job)\":")
                continue
            }
            guard inJob, body.hasPrefix("\""), let end = body.dropFirst().firstIndex(of: "\"") else { continue }
            let key = String(body[body.index(after: body.startIndex)..<end])
            if depth == 3 {
                parent = body.hasSuffix("{") ? key : nil
                if parent == nil { keys.append(key) }
            } else if depth == 4, let parent {
                keys.append("\(parent).\(key)")
            }
        }
        return keys
    }
}
