import Foundation
import Synchronization
import Testing
@testable import PBSEmulator

/// Jobs as real processes: submit, run, delete, walltime, environment, output files, capacity, concurrency.
@Suite struct ScenarioTests {
    /// The issue's "done when": qsub a sleep, see it R in JSON, qdel it, see F with Exit_status 271.
    @Test func submitRunDeleteShowsExitStatus271() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let id = try sandbox.submit("-N", "sleeper", stdin: "sleep 30\n")
        #expect(id == "1.emu")
        var json = ""
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            json = sandbox.run("qstat", "-f", "-F", "json", id).stdout
            if json.contains("\"job_state\":\t\"R\"") { break }
            usleep(20_000)
        }
        #expect(json.contains("\"job_state\":\t\"R\""))
        let session = try #require(sandbox.job(id)?.value("session_id").flatMap { Int32($0) })
        #expect(Sandbox.processExists(session))
        let deleted = sandbox.run("qdel", id)
        #expect(deleted.exitCode == 0)
        #expect(deleted.stdout.isEmpty && deleted.stderr.isEmpty)
        let finished = try sandbox.waitForState(id, "F")
        #expect(finished.value("Exit_status") == "271")
        #expect(finished.value("substate") == "91")
        #expect(!Sandbox.processExists(session))
        // Without -x a finished job is an error, as on the real server.
        let plain = sandbox.run("qstat", id)
        #expect(plain.exitCode == 35)
        #expect(plain.stderr == "qstat: \(id) Job has finished, use -x or -H to obtain historical job information\n")
        let again = sandbox.run("qdel", "1")
        #expect(again.exitCode == 35)
        #expect(again.stderr == "qdel: Job has finished 1.emu\n")
    }

    @Test func jobGetsPBSEnvironmentNodefileAndOutputFiles() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        try sandbox.script("env.sh", """
            #!/bin/sh
            #PBS -N envjob
            #PBS -l select=2:ncpus=1:mpiprocs=2
            echo "pwd=$(pwd)"
            echo "id=$PBS_JOBID name=$PBS_JOBNAME queue=$PBS_QUEUE env=$PBS_ENVIRONMENT"
            echo "workdir=$PBS_O_WORKDIR home=$PBS_O_HOME host=$PBS_O_HOST foo=$FOO"
            echo "lines=$(wc -l < "$PBS_NODEFILE")"
            echo "to stderr" >&2
            exit 3
            """)
        let id = try sandbox.submit("-v", "FOO=bar", "env.sh")
        let job = try sandbox.waitForState(id, "F")
        #expect(job.value("Exit_status") == "3")
        #expect(job.value("substate") == "93")
        #expect(job.value("Resource_List.ncpus") == "2")
        #expect(job.value("Resource_List.mpiprocs") == "4")
        #expect(job.value("Resource_List.nodect") == "2")
        let host = EmulatorContext.shortHostName()
        #expect(job.value("exec_host") == "\(host)/0+\(host)/1")
        let out = try String(contentsOfFile: sandbox.workdir + "/envjob.o1", encoding: .utf8)
        let err = try String(contentsOfFile: sandbox.workdir + "/envjob.e1", encoding: .utf8)
        #expect(out == """
            pwd=\(sandbox.userHome)
            id=1.emu name=envjob queue=workq env=PBS_BATCH
            workdir=\(sandbox.workdir) home=\(sandbox.userHome) host=\(host) foo=bar
            lines=4

            """)
        #expect(err == "to stderr\n")
    }

    @Test func joinedOutputAndExplicitPaths() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let id = try sandbox.submit("-j", "oe", "-o", "logs/", "-N", "joined", stdin: "echo out; echo err >&2\n")
        try FileManager.default.createDirectory(atPath: sandbox.workdir + "/logs", withIntermediateDirectories: true)
        _ = id
        let second = try sandbox.submit("-j", "oe", "-o", "logs/", "-N", "joined", stdin: "echo out; echo err >&2\n")
        try sandbox.waitForState(second, "F")
        let joined = try String(contentsOfFile: sandbox.workdir + "/logs/joined.o2", encoding: .utf8)
        #expect(joined == "out\nerr\n")
        #expect(!FileManager.default.fileExists(atPath: sandbox.workdir + "/logs/joined.e2"))
    }

    @Test func capacityKeepsJobsQueuedUntilCPUsFree() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        sandbox.run("config", "ncpus", "1")
        let first = try sandbox.submit(stdin: "sleep 30\n")
        let second = try sandbox.submit(stdin: "sleep 30\n")
        try sandbox.waitForState(first, "R")
        usleep(300_000)
        let waiting = try #require(sandbox.job(second))
        #expect(waiting.value("job_state") == "Q")
        #expect(waiting.value("comment")?.hasPrefix("Not Running: Insufficient amount of resource: ncpus") == true)
        sandbox.run("qdel", first)
        try sandbox.waitForState(second, "R")
    }

    @Test func queueWaitDelaysTheStart() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        sandbox.run("config", "queue-wait", "600ms")
        let start = Date()
        let id = try sandbox.submit(stdin: "sleep 30\n")
        #expect(sandbox.job(id)?.value("job_state") == "Q")
        try sandbox.waitForState(id, "R")
        #expect(Date().timeIntervalSince(start) >= 0.6)
    }

    @Test func afterokOnAFailedParentDeletesTheChild() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let parent = try sandbox.submit(stdin: "exit 1\n")
        let child = try sandbox.submit("-W", "depend=afterok:\(parent)", stdin: "true\n")
        let job = try sandbox.waitForState(child, "F")
        #expect(job.value("substate") == "91")
        #expect(job.value("Exit_status") == nil)
    }

    @Test func concurrentSubmissionsGetDistinctIDs() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let ids = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let result = sandbox.run(arguments: ["qsub"], stdin: "true\n")
            ids.withLock { $0.append(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        let all = ids.withLock { $0 }
        #expect(Set(all) == Set((1...8).map { "\($0).emu" }))
        #expect(sandbox.run("stats").stdout
            == "{\"qdel\":0,\"qhold\":0,\"qrls\":0,\"qselect\":0,\"qstat\":0,\"qsub\":8}\n")
    }

    @Test func serverStopEndsEveryJobAndLeavesNoProcess() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let running = try sandbox.submit(stdin: "sleep 30\n")
        let held = try sandbox.submit("-h", stdin: "sleep 30\n")
        let session = try #require(try sandbox.waitForState(running, "R").value("session_id").flatMap { Int32($0) })
        #expect(sandbox.run("server", "status").exitCode == 0)
        #expect(sandbox.run("server", "stop").exitCode == 0)
        #expect(sandbox.run("server", "status").exitCode == 3)
        #expect(!Sandbox.processExists(session))
        #expect(sandbox.job(running)?.value("Exit_status") == "271")
        #expect(sandbox.job(held)?.value("substate") == "91")
        #expect(sandbox.job(held)?.value("Exit_status") == nil)
    }

    /// A job script with `set -m` (clusterd's built-in ones) puts its background children into process groups
    /// of their own; a kill by the system, a qdel and the end of the job must still reach them, as a mom
    /// signals every process of the job's session. Before, only the leader's group was signalled and an
    /// ipcontroller outlived its killed job, orphaned.
    @Test(arguments: ["kill", "qdel", "exit"])
    func everyProcessOfTheSessionEndsWithTheJob(how: String) throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let pidFile = sandbox.root.appendingPathComponent("child.pid").path
        let script = how == "exit"
            ? "#!/bin/bash\nset -m\nsleep 300 &\necho $! > \(pidFile)\nsleep 0.5\nexit 0\n"
            : "#!/bin/bash\nset -m\nsleep 300 &\necho $! > \(pidFile)\nwait\n"
        let id = try sandbox.submit(stdin: script)
        try sandbox.waitForState(id, "R")
        var child: Int32?
        for _ in 0..<250 where child == nil {
            child = (try? String(contentsOfFile: pidFile, encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            usleep(20_000)
        }
        let pid = try #require(child, "the job did not start its background child")
        #expect(getpgid(pid) == pid, "the child must lead a process group of its own, as under set -m")
        switch how {
        case "kill": #expect(sandbox.run("kill", id, "--exit", "1").exitCode == 0)
        case "qdel": #expect(sandbox.run("qdel", id).exitCode == 0)
        default: break
        }
        try sandbox.waitForState(id, "F", timeout: 10)
        let deadline = Date().addingTimeInterval(5)
        while Self.isAlive(pid) && Date() < deadline { usleep(20_000) }
        #expect(!Self.isAlive(pid), "the background child \(pid) outlived job \(id) (\(how))")
    }

    /// A server whose state directory is removed under it (a test cleaning up while a command had just
    /// started the server) ends its jobs and exits instead of recreating the directory and living on.
    @Test func serverLeavesWhenItsStateDirectoryIsRemoved() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let id = try sandbox.submit(stdin: "sleep 30\n")
        let session = try #require(try sandbox.waitForState(id, "R").value("session_id").flatMap { Int32($0) })
        let pidText = try String(contentsOfFile: sandbox.home + "/server.pid", encoding: .utf8)
        let server = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        try FileManager.default.removeItem(atPath: sandbox.home)
        let deadline = Date().addingTimeInterval(5)
        while (Self.isAlive(server) || Self.isAlive(session)) && Date() < deadline {
            usleep(20_000)
        }
        #expect(!Self.isAlive(server))
        #expect(!Self.isAlive(session))
        #expect(!FileManager.default.fileExists(atPath: sandbox.home))
    }

    /// True while the process exists and is not a zombie (nothing may reap orphans in a container).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }

    @Test func symlinksDispatchOnTheirName() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let bin = sandbox.root.appendingPathComponent("bin").path
        #expect(sandbox.run("install-links", bin).exitCode == 0)
        let version = sandbox.run(arguments: ["--version"], argv0: bin + "/qstat")
        #expect(version.stdout == "pbs_version = 23.06.06\n")
        let submitted = sandbox.run(arguments: [], stdin: "true\n", argv0: bin + "/qsub")
        #expect(submitted.stdout == "1.emu\n")
    }
}
