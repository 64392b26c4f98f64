import Foundation
import Testing
@testable import PBSEmulator

/// Jobs run by the emulator, in the same states as the real captures, compared attribute by attribute:
/// same names in the same order (values such as times, hosts and pids naturally differ).
@Suite struct FixtureShapeTests {
    static let sleeper = "#!/bin/sh\nsleep ${SLEEP:-30}\n"

    @Test func runningJobJSONHasTheCapturedKeys() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        try sandbox.script("sleep.sh", Self.sleeper)
        let id = try sandbox.submit("-N", "capsimple", "-l", "select=1:ncpus=1", "-l", "walltime=00:05:00",
                                    "-v", "FOO=bar", "sleep.sh")
        _ = try sandbox.submit("-W", "depend=afterok:\(id)", "sleep.sh")
        try sandbox.waitForState(id, "R")
        let ours = sandbox.run("qstat", "-f", "-F", "json", id)
        let real = try Capture.load("running_json.txt")
        #expect(ours.exitCode == 0)
        #expect(JSONKeyReader.keys(ours.stdout, job: id) == JSONKeyReader.keys(real.stdout, job: "4.vm"))
        #expect(ours.stdout.contains("\"depend\":\t\"beforeok:2.emu@emu\""))
        #expect(ours.stdout.contains("\"FOO\":\t\"bar\""))
        #expect(ours.stdout.hasPrefix("{\n\t\"timestamp\":\t"))
    }

    @Test func heldJobTextHasTheCapturedKeys() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        try sandbox.script("sleep.sh", Self.sleeper)
        let id = try sandbox.submit("-h", "-N", "capheld", "-l", "select=1:ncpus=1", "-l", "walltime=00:05:00",
                                    "sleep.sh")
        let ours = sandbox.run("qstat", "-f", id)
        let real = try Capture.load("held_f.txt")
        let job = try #require(FullTextReader.jobs(ours.stdout).first)
        #expect(FullTextReader.keys(job) == FullTextReader.keys(try #require(FullTextReader.jobs(real.stdout).first)))
        #expect(job.value("job_state") == "H")
        #expect(job.value("substate") == "20")
        #expect(job.value("Hold_Types") == "u")
        #expect(job.value("Submit_arguments") == "-h -N capheld -l select=1:ncpus=1 -l walltime=00:05:00 sleep.sh")
        #expect(job.value("Output_Path") == "\(EmulatorContext.shortHostName()):\(sandbox.workdir)/capheld.o1")
    }

    @Test func dependencyWaitingJSONHasTheCapturedKeys() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        try sandbox.script("sleep.sh", Self.sleeper)
        let parent = try sandbox.submit("-h", "sleep.sh")
        let id = try sandbox.submit("-N", "capdepafter", "-W", "depend=after:\(parent)", "-l", "select=1:ncpus=1",
                                    "-l", "walltime=00:05:00", "-v", "SLEEP=5", "sleep.sh")
        let ours = sandbox.run("qstat", "-f", "-F", "json", id)
        let real = try Capture.load("depend_after_waiting_json.txt")
        #expect(JSONKeyReader.keys(ours.stdout, job: id) == JSONKeyReader.keys(real.stdout, job: "8.vm"))
        #expect(ours.stdout.contains("\"job_state\":\t\"H\""))
        #expect(ours.stdout.contains("\"substate\":\t22"))
        #expect(ours.stdout.contains("\"Hold_Types\":\t\"s\""))
        #expect(ours.stdout.contains("\"depend\":\t\"after:1.emu@emu\""))
        #expect(ours.stdout.contains("\"SLEEP\":\t5"))
        // Releasing the parent lets both run: `after` needs the parent started, not finished.
        sandbox.run("qrls", parent)
        try sandbox.waitForState(id, "R")
    }

    @Test func finishedJobsHaveTheCapturedKeys() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        try sandbox.script("exit0.sh", "#!/bin/sh\nexit 0\n")
        try sandbox.script("sleep.sh", Self.sleeper)
        let ok = try sandbox.submit("-N", "capexit0", "-l", "select=1:ncpus=1", "-l", "walltime=00:05:00", "exit0.sh")
        let slow = try sandbox.submit("-N", "capwalltime", "-l", "select=1:ncpus=1", "-l", "walltime=00:00:01",
                                      "-v", "SLEEP=60", "sleep.sh")
        let okJob = try sandbox.waitForState(ok, "F")
        let slowJob = try sandbox.waitForState(slow, "F", timeout: 6)
        let partial = FullTextReader.jobs(try Capture.load("partial_fail_f_x.txt").stdout)
        let walltime = FullTextReader.jobs(try Capture.load("walltime_exceeded_f_x.txt").stdout)
        #expect(FullTextReader.keys(okJob) == FullTextReader.keys(try #require(partial.first)))
        #expect(FullTextReader.keys(slowJob) == FullTextReader.keys(try #require(walltime.first)))
        #expect(okJob.value("substate") == "92")
        #expect(okJob.value("Exit_status") == "0")
        #expect(okJob.value("comment")?.hasSuffix(" and finished") == true)
        #expect(slowJob.value("substate") == "93")
        #expect(slowJob.value("Exit_status") == "-29")
        #expect(slowJob.value("comment")?.hasSuffix(" and exceeded resource walltime") == true)
    }

    @Test func deletedHeldJobJSONHasTheCapturedKeys() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        try sandbox.script("sleep.sh", Self.sleeper)
        let id = try sandbox.submit("-h", "-N", "capheld", "-l", "select=1:ncpus=1", "-l", "walltime=00:05:00",
                                    "sleep.sh")
        #expect(sandbox.run("qdel", id).exitCode == 0)
        let ours = sandbox.run("qstat", "-x", "-f", "-F", "json", id)
        let real = try Capture.load("deleted_held_json_x.txt")
        #expect(JSONKeyReader.keys(ours.stdout, job: id) == JSONKeyReader.keys(real.stdout, job: "7.vm"))
        #expect(ours.stdout.contains("\"substate\":\t91"))
        #expect(!ours.stdout.contains("Exit_status"))
    }

    @Test func partialFailureMatchesTheCapture() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        try sandbox.script("sleep.sh", Self.sleeper)
        let first = try sandbox.submit("-N", "capexit0", "--", "/bin/true")
        let second = try sandbox.submit("sleep.sh")
        try sandbox.waitForState(first, "F")
        try sandbox.waitForState(second, "R")
        let ours = sandbox.run("qstat", "-f", "-x", first, "99999.emu", second)
        let real = try Capture.load("partial_fail_f_x.txt")
        #expect(ours.exitCode == real.exitCode)
        #expect(ours.stderr == "qstat: Unknown Job Id 99999.emu\n")
        #expect(real.stderr == "qstat: Unknown Job Id 99999.vm\n")
        #expect(FullTextReader.jobs(ours.stdout).map(\.id) == [first, second])
    }
}
