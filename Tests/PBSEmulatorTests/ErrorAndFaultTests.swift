import Foundation
import Synchronization
import Testing
@testable import PBSEmulator

/// The real error texts and exit codes, and every injectable fault.
@Suite struct ErrorAndFaultTests {
    @Test func errorsUseTheRealTextsAndExitCodes() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let unknown = sandbox.run("qstat", "99999")
        #expect(unknown.exitCode == 153)
        #expect(unknown.stderr == "qstat: Unknown Job Id 99999.emu\n")
        let unknownJSON = sandbox.run("qstat", "-f", "-F", "json", "99999.emu")
        #expect(unknownJSON.exitCode == 153)
        #expect(unknownJSON.stdout.contains("\"pbs_server\":\t\"emu\"\n}"))
        let queue = sandbox.run("qstat", "-f", "abc")
        #expect(queue.exitCode == 170)
        #expect(queue.stderr == "qstat: Unknown queue destination abc\n")
        let malformed = sandbox.run("qstat", "-f", "12.3.4x@@")
        #expect(malformed.exitCode == 1)
        #expect(malformed.stderr.contains("illegally formed job identifier"))
        #expect(sandbox.run("qstat", "-Z").exitCode == 2)
        #expect(sandbox.run("qstat", "-u", "me", "-F", "json").exitCode == 2)
        #expect(sandbox.run("qsub", "-Z").exitCode == 2)
        let qdel = sandbox.run("qdel", "42")
        #expect(qdel.exitCode == 153)
        #expect(qdel.stderr == "qdel: Unknown Job Id 42.emu\n")
        #expect(sandbox.run("qstat", "--version").stdout == "pbs_version = 23.06.06\n")
        #expect(sandbox.run("qstat").stdout.isEmpty)
    }

    @Test func jsonWithSeveralIDsShowsOnlyTheFirstJobFound() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let first = try sandbox.submit("-h", stdin: "true\n")
        let second = try sandbox.submit("-h", stdin: "true\n")
        let both = sandbox.run("qstat", "-f", "-F", "json", first, second)
        #expect(both.exitCode == 0)
        #expect(both.stdout.contains("\"\(first)\":") && !both.stdout.contains("\"\(second)\":"))
        let reversed = sandbox.run("qstat", "-f", "-F", "json", "777", second)
        #expect(reversed.exitCode == 0 && reversed.stderr.isEmpty)
        #expect(reversed.stdout.contains("\"\(second)\":"))
        // Text lists all of them.
        #expect(FullTextReader.jobs(sandbox.run("qstat", "-f", first, second).stdout).count == 2)
    }

    @Test func serverDownFailsEveryCommandLikeTheRealOne() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        sandbox.run("stats", "reset")
        #expect(sandbox.run("fault", "server-down", "on").exitCode == 0)
        let qstat = sandbox.run("qstat", "-f", "-F", "json")
        #expect(qstat.exitCode == 255)
        #expect(qstat.stderr == "Connection refused\nqstat: cannot connect to server emu (errno=15010)\n")
        #expect(qstat.stdout.hasPrefix("{\n\t\"timestamp\""))
        let qsub = sandbox.run("qsub", stdin: "true\n")
        #expect(qsub.exitCode == 162)
        #expect(qsub.stdout.isEmpty)
        #expect(sandbox.run("qdel", "1").exitCode == 162)
        #expect(sandbox.run("stats").stdout
            == "{\"qdel\":1,\"qhold\":0,\"qrls\":0,\"qselect\":0,\"qstat\":1,\"qsub\":1}\n")
        #expect(sandbox.run("fault", "list").stdout.contains("server-down  on"))
        sandbox.run("fault", "server-down", "off")
        #expect(try sandbox.submit(stdin: "true\n") == "1.emu")
    }

    @Test func slowGarbageAndTruncateDistortQstat() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        _ = try sandbox.submit("-h", stdin: "true\n")
        let full = sandbox.run("qstat", "-f").stdout
        sandbox.run("fault", "slow", "400ms")
        let start = Date()
        #expect(sandbox.run("qstat").exitCode == 0)
        #expect(Date().timeIntervalSince(start) >= 0.4)
        sandbox.run("fault", "slow", "off")
        sandbox.run("fault", "truncate", "on")
        let cut = sandbox.run("qstat", "-f").stdout
        #expect(!cut.isEmpty && cut.count < full.count && full.hasPrefix(cut))
        sandbox.run("fault", "truncate", "off")
        sandbox.run("fault", "garbage", "on")
        let garbage = sandbox.run("qstat", "-f", "-F", "json")
        #expect(garbage.exitCode == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data(garbage.stdout.utf8))) == nil)
        sandbox.run("fault", "clear")
        #expect(sandbox.run("qstat", "-f").stdout == full)
    }

    /// qsub-hang: the job exists and runs while qsub has not printed its id yet; `slow` sleeps before anything
    /// happens, so no job exists while it sleeps.
    @Test func qsubHangSleepsAfterTheJobExists() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        #expect(sandbox.run("fault", "qsub-hang", "1500ms").exitCode == 0)
        #expect(sandbox.run("fault", "list").stdout.contains("qsub-hang    1.5s"))
        let printed = Mutex<String?>(nil)
        let start = Date()
        let submitter = Thread {
            let result = sandbox.run("qsub", stdin: "sleep 30\n")
            printed.withLock { $0 = result.stdout }
        }
        submitter.start()
        try sandbox.waitForState("1.emu", "R")
        #expect(printed.withLock { $0 } == nil, "qsub answered before the job ran")
        while printed.withLock({ $0 }) == nil { usleep(20_000) }
        #expect(Date().timeIntervalSince(start) >= 1.5)
        #expect(printed.withLock { $0 } == "1.emu\n")

        sandbox.run("fault", "clear")
        sandbox.run("fault", "slow", "1s")
        let slowDone = Mutex(false)
        let slowSubmitter = Thread {
            _ = sandbox.run("qsub", stdin: "sleep 30\n")
            slowDone.withLock { $0 = true }
        }
        slowSubmitter.start()
        usleep(500_000)
        // Read the state file: qstat would sleep as well.
        #expect(try sandbox.savedState().jobs.count == 1, "slow created the job before sleeping")
        while !slowDone.withLock({ $0 }) { usleep(20_000) }
        #expect(try sandbox.savedState().jobs.count == 2)
    }

    @Test func vanishHidesAJob() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let kept = try sandbox.submit("-h", stdin: "true\n")
        let hidden = try sandbox.submit("-h", stdin: "true\n")
        sandbox.run("fault", "vanish", hidden)
        let listing = sandbox.run("qstat")
        #expect(listing.stdout.contains(kept) && !listing.stdout.contains(hidden))
        #expect(sandbox.run("qstat", hidden).exitCode == 153)
        sandbox.run("fault", "vanish", hidden, "off")
        #expect(sandbox.run("qstat", hidden).exitCode == 0)
    }

    @Test func killEndsAJobWithTheChosenExitStatus() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let id = try sandbox.submit(stdin: "sleep 30\n")
        try sandbox.waitForState(id, "R")
        #expect(sandbox.run("fault", "kill", id, "7").exitCode == 0)
        let job = try sandbox.waitForState(id, "F")
        #expect(job.value("Exit_status") == "7")
        #expect(job.value("substate") == "93")
        #expect(sandbox.run("kill", "99", "--exit", "1").exitCode == 1)
    }

    @Test func qsubFailFailsTheNextSubmissions() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        sandbox.run("fault", "qsub-fail", "2")
        #expect(sandbox.run("qsub", stdin: "true\n").exitCode != 0)
        #expect(sandbox.run("qsub", stdin: "true\n").exitCode != 0)
        #expect(try sandbox.submit(stdin: "true\n") == "3.emu", "a refused submission uses up its job id")
    }

    @Test func noHistoryForgetsFinishedJobs() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let id = try sandbox.submit(stdin: "true\n")
        try sandbox.waitForState(id, "F")
        sandbox.run("fault", "no-history", "on")
        let result = sandbox.run("qstat", "-x", "-f", id)
        #expect(result.exitCode == 153)
        #expect(result.stderr == "qstat: Unknown Job Id \(id)\n")
        #expect(sandbox.run("qstat", "-x").stdout.isEmpty)
    }

    @Test func holdAndRelease() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        sandbox.run("config", "queue-wait", "5s")
        let id = try sandbox.submit(stdin: "sleep 30\n")
        #expect(sandbox.run("qhold", id).exitCode == 0)
        #expect(sandbox.job(id)?.value("job_state") == "H")
        sandbox.run("config", "queue-wait", "0")
        #expect(sandbox.run("qrls", id).exitCode == 0)
        try sandbox.waitForState(id, "R")
    }
}
