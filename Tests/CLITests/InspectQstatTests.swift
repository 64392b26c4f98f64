import Foundation
import Testing

/// Runs the built `clusterd inspect-qstat` on real captures: output, exit codes, messages.
@Suite("clusterd inspect-qstat")
struct InspectQstatTests {
    private static let fixtures: String = {
        let file = "\(#filePath)"
        let tests = file[..<file.range(of: "/CLITests/")!.lowerBound]
        return tests + "/PBSCoreTests/Fixtures"
    }()

    /// The `clusterd` built next to this test bundle.
    private static let executable: URL = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("clusterd").path),
              directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("clusterd")
    }()

    private struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private func run(_ arguments: [String], stdin: Data? = nil) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["inspect-qstat"] + arguments
        let output = Pipe()
        let error = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }

    @Test func printsOneJSONObjectPerJob() throws {
        let result = try run([Self.fixtures + "/torque-qstat-x-fyrd-stanford.xml"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 6)
        let first = try #require(
            JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        )
        #expect(first["id"] as? String == "665199.superserver.stanford.edu")
        #expect(first["state"] as? String == "running")
        #expect(first["exitStatus"] as? Int == -3)
        #expect(first["execHosts"] as? [String] == ["node01"])
        for key in ["name", "owner", "queue", "rawState", "substate", "walltimeRequested", "walltimeUsed",
                    "submitTime", "startTime", "endTime", "comment", "variables"] {
            #expect(first.keys.contains(key), "missing \(key)")
        }
    }

    @Test func readsStandardInputWithAnExplicitDialect() throws {
        let text = "Job Id: 7.vm\n    job_state = H\n    substate = 22\n\n"
        let result = try run(["--dialect", "pbs-text", "-"], stdin: Data(text.utf8))
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"id\":\"7.vm\""))
        #expect(result.stdout.contains("\"state\":\"waiting\""))
    }

    @Test func invalidInputExitsOneWithPlace() throws {
        let result = try run(["--dialect", "openpbs-json"], stdin: Data("{\"Jobs\":{\"1.vm\":{".utf8))
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("openpbs-json"))
        #expect(result.stderr.contains("line 1 (byte 17)"))
        #expect(result.stderr.contains("cut short"))
    }

    @Test func unknownFormatAndMissingFileExitOne() throws {
        let garbage = try run([], stdin: Data("qstat: Unknown Job Id 1.vm\n".utf8))
        #expect(garbage.status == 1)
        #expect(garbage.stderr.contains("cannot tell the qstat format"))
        let missing = try run(["/nonexistent/qstat.txt"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot open /nonexistent/qstat.txt"))
    }

    @Test func badDialectIsAUsageError() throws {
        let result = try run(["--dialect", "slurm-json", "x"])
        #expect(result.status == 2)  // usage errors exit 2 (ToolExit.usage)
        #expect(result.stderr.contains("--dialect"))
    }
}
