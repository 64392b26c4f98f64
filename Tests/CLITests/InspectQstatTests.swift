import Foundation
import Testing
import TestSupport

/// Runs the built `clusterd inspect-qstat` on real captures: output, exit codes, messages.
@Suite("clusterd inspect-qstat")
struct InspectQstatTests {
    private static let fixtures: String = {
        let file = "\(#filePath)"
        let tests = file[..<file.range(of: "/CLITests/")!.lowerBound]
        return tests + "/PBSCoreTests/Fixtures"
    }()

    private func run(_ arguments: [String], stdin: String? = nil) throws -> ProcessOutput {
        try TestProcess.run(Product.path("clusterd"), ["inspect-qstat"] + arguments, input: stdin ?? "")
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
        let result = try run(["--dialect", "pbs-text", "-"], stdin: text)
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"id\":\"7.vm\""))
        #expect(result.stdout.contains("\"state\":\"waiting\""))
    }

    @Test func invalidInputExitsOneWithPlace() throws {
        let result = try run(["--dialect", "openpbs-json"], stdin: "{\"Jobs\":{\"1.vm\":{")
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("openpbs-json"))
        #expect(result.stderr.contains("line 1 (byte 17)"))
        #expect(result.stderr.contains("cut short"))
    }

    @Test func unknownFormatAndMissingFileExitOne() throws {
        let garbage = try run([], stdin: "qstat: Unknown Job Id 1.vm\n")
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
