import Foundation
import Testing
@testable import PBSEmulator

/// The timing settings: queue waits per job name, the exit lag after a job's end, the walltime grace.
@Suite struct TimingSettingsTests {
    /// A pattern's wait replaces the default wait for the jobs it matches: engines stay Q with a scheduler
    /// comment while the controller and unmatched jobs start.
    @Test func queueWaitByNameHoldsOnlyMatchingJobs() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        #expect(sandbox.run("config", "queue-wait", "10m", "--name", "cd-*-engine*").exitCode == 0)
        #expect(sandbox.run("config", "queue-wait", "500ms", "--name", "cd-*-ctl").exitCode == 0)
        let start = Date()
        let engines = try sandbox.submit("-N", "cd-default-engines", stdin: "sleep 30\n")
        let controller = try sandbox.submit("-N", "cd-default-ctl", stdin: "sleep 30\n")
        let other = try sandbox.submit("-N", "other", stdin: "sleep 30\n")
        try sandbox.waitForState(other, "R")
        try sandbox.waitForState(controller, "R")
        #expect(Date().timeIntervalSince(start) >= 0.5)
        let waiting = try #require(sandbox.job(engines))
        #expect(waiting.value("job_state") == "Q")
        #expect(waiting.value("comment") == "Not Running: Job would conflict with reservation or top job")
        let config = sandbox.run("config").stdout
        #expect(config.contains("\"queue_wait_names\": [{\"name\": \"cd-*-engine*\", \"wait\": 600}, "
            + "{\"name\": \"cd-*-ctl\", \"wait\": 0.5}]"))
        // `off` removes one pattern: the engines fall back to the default wait (0) and start.
        #expect(sandbox.run("config", "queue-wait", "off", "--name", "cd-*-engine*").exitCode == 0)
        let started = try sandbox.waitForState(engines, "R")
        #expect(started.value("comment")?.hasPrefix("Job run at") == true)
        #expect(sandbox.run("config", "queue-wait", "clear").exitCode == 0)
        #expect(sandbox.run("config").stdout.contains("\"queue_wait_names\": []"))
        #expect(sandbox.run("config", "queue-wait", "10m", "--name").exitCode == 2)
    }

    /// The default wait holds jobs without a comment (a scheduler cycle not yet run); a matching pattern may be
    /// shorter than the default.
    @Test func namePatternOverridesTheDefaultWait() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        sandbox.run("config", "queue-wait", "10m")
        sandbox.run("config", "queue-wait", "0", "--name", "fast*")
        let slow = try sandbox.submit("-N", "slowjob", stdin: "sleep 30\n")
        let fast = try sandbox.submit("-N", "fastjob", stdin: "sleep 30\n")
        try sandbox.waitForState(fast, "R")
        let held = try #require(sandbox.job(slow))
        #expect(held.value("job_state") == "Q")
        #expect(held.value("comment") == nil)
    }

    /// With an exit lag a deleted job keeps showing R after its process is gone, then ends F/91 with 271; a job
    /// that exits by itself keeps R for the lag too, and its used walltime stops when its process ended.
    @Test func exitLagKeepsEndedJobsRunningForAWhile() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        #expect(sandbox.run("config", "exit-lag", "1500ms").exitCode == 0)
        #expect(sandbox.run("config").stdout.contains("\"exit_lag\": 1.5"))
        let deleted = try sandbox.submit(stdin: "sleep 30\n")
        let session = try #require(try sandbox.waitForState(deleted, "R").value("session_id").flatMap { Int32($0) })
        let exited = try sandbox.submit(stdin: "exit 3\n")
        let start = Date()
        #expect(sandbox.run("qdel", deleted).exitCode == 0)
        usleep(800_000)
        #expect(!Sandbox.processExists(session))
        #expect(sandbox.job(deleted)?.value("job_state") == "R")
        #expect(sandbox.job(exited)?.value("job_state") == "R")
        let finished = try sandbox.waitForState(deleted, "F")
        #expect(Date().timeIntervalSince(start) >= 1.5)
        #expect(finished.value("Exit_status") == "271")
        #expect(finished.value("substate") == "91")
        let done = try sandbox.waitForState(exited, "F")
        #expect(done.value("Exit_status") == "3")
        #expect(done.value("resources_used.walltime") == "00:00:00")
    }

    /// With a walltime grace the limit is enforced that much later, still with Exit_status -29.
    @Test func walltimeGraceDelaysTheWalltimeKill() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        #expect(sandbox.run("config", "walltime-grace", "1s").exitCode == 0)
        let id = try sandbox.submit("-l", "walltime=1", stdin: "sleep 30\n")
        try sandbox.waitForState(id, "R")
        let start = Date()
        usleep(1_300_000)
        #expect(sandbox.job(id)?.value("job_state") == "R")
        let job = try sandbox.waitForState(id, "F", timeout: 5)
        #expect(Date().timeIntervalSince(start) >= 1.8)
        #expect(job.value("Exit_status") == "-29")
        #expect(job.value("substate") == "93")
        #expect(sandbox.run("config", "walltime-grace", "off").exitCode == 0)
        #expect(sandbox.run("config").stdout.contains("\"walltime_grace\": 0"))
    }

    @Test func configPrintsEverySettingAsJSON() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let text = sandbox.run("config").stdout
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == [
            "queue_wait", "queue_wait_names", "ncpus", "kill_delay", "exit_lag", "walltime_grace", "queues",
            "resources",
        ])
        #expect(object["queues"] as? [String] == ["workq"])
        #expect(sandbox.run("config", "exit-lag", "soon").exitCode == 2)
        #expect(sandbox.run("config", "--help").stdout.contains("walltime-grace"))
    }
}
