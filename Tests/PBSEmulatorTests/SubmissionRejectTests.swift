import Foundation
import Testing
@testable import PBSEmulator

/// qsub's rejections with OpenPBS's texts and exit codes (pbs_errno & 0xff), and the job ids they use up.
@Suite struct SubmissionRejectTests {
    @Test func serverRejectionsUseTheRealTextsAndUpJobIDs() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let queue = sandbox.run("qsub", "-q", "nosuch", stdin: "true\n")
        #expect(queue.exitCode == 170)
        #expect(queue.stderr == "qsub: Unknown queue\n")
        #expect(queue.stdout.isEmpty)
        let inSelect = sandbox.run("qsub", "-l", "select=1:ncpus=1:foo=1", stdin: "true\n")
        #expect(inSelect.exitCode == 187)
        #expect(inSelect.stderr == "qsub: Unknown resource: foo\n")
        let topLevel = sandbox.run("qsub", "-l", "foo=1", stdin: "true\n")
        #expect(topLevel.exitCode == 187)
        #expect(topLevel.stderr == "qsub: Unknown resource Resource_List.foo\n")
        let directive = sandbox.run("qsub", stdin: "#PBS -q other\ntrue\n")
        #expect(directive.exitCode == 170)
        // Four rejections by the server, four ids gone; none of them left a job behind.
        #expect(try sandbox.submit(stdin: "true\n") == "5.emu")
        #expect(sandbox.run("qstat", "-x", "1").exitCode == 153)
        #expect(FullTextReader.jobs(sandbox.run("qstat", "-x", "-f").stdout).map(\.id) == ["5.emu"])
    }

    /// Bad values are caught by the client library before the server is asked: exit 166, no id used.
    @Test func illegalValuesAreRejectedWithoutUsingAnID() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let cases: [(String, String)] = [
            ("walltime=abc", "Resource_List.walltime"), ("walltime=1:2:3:4", "Resource_List.walltime"),
            ("ncpus=-1", "Resource_List.ncpus"), ("mem=lots", "Resource_List.mem"),
            ("select=1:ncpus=x", "select.ncpus"), ("select=1:ncpus", "Resource_List.select"),
        ]
        for (value, attribute) in cases {
            let result = sandbox.run("qsub", "-l", value, stdin: "true\n")
            #expect(result.exitCode == 166, "\(value)")
            #expect(result.stderr == "qsub: Illegal attribute or resource value \(attribute)\n", "\(value)")
        }
        #expect(sandbox.run("qsub", "-l", "walltime", stdin: "true\n").exitCode == 2)
        let id = try sandbox.submit("-l", "walltime=1.5", stdin: "true\n")
        #expect(id == "1.emu")
        #expect(sandbox.job(id)?.value("Resource_List.walltime") == "00:00:02")
    }

    /// Configured queues and custom resources are accepted next to workq and the built-in resources.
    @Test func configuredQueuesAndResourcesAreAccepted() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        #expect(sandbox.run("config", "queues", "express,debug").exitCode == 0)
        #expect(sandbox.run("config", "resources", "ngpus").exitCode == 0)
        #expect(sandbox.run("config").stdout.contains("\"queues\": [\"workq\", \"express\", \"debug\"]"))
        #expect(sandbox.run("config").stdout.contains("\"resources\": [\"ngpus\"]"))
        let express = try sandbox.submit("-q", "express", "-l", "select=1:ncpus=1:ngpus=1", stdin: "sleep 30\n")
        let workq = try sandbox.submit("-q", "workq@emu", "-l", "ngpus=1", stdin: "sleep 30\n")
        #expect(sandbox.job(express)?.value("queue") == "express")
        #expect(sandbox.job(workq)?.value("queue") == "workq")
        let defaultQueue = try sandbox.submit("-q", "@emu", stdin: "true\n")
        #expect(sandbox.job(defaultQueue)?.value("queue") == "workq")
        #expect(sandbox.run("qstat", "debug").exitCode == 0)
        #expect(sandbox.run("config", "queues", "bad;name").exitCode == 2)
        #expect(sandbox.run("config", "queues", "none").exitCode == 0)
        #expect(sandbox.run("qsub", "-q", "debug", stdin: "true\n").exitCode == 170)
    }
}
