import Foundation
import Testing
@testable import PBSEmulator

/// qselect with OpenPBS's semantics (src/cmds/qselect.c, src/server/req_select.c), and the qstat option
/// combinations qstat.c accepts or refuses.
@Suite struct QselectTests {
    /// A running, a held and a finished job, and the submitting user's name.
    private func threeJobs(_ sandbox: Sandbox) throws -> (running: String, held: String, done: String, user: String) {
        let running = try sandbox.submit("-N", "ctl", stdin: "sleep 30\n")
        let held = try sandbox.submit("-h", "-N", "eng", "-l", "walltime=00:05:00", stdin: "sleep 30\n")
        let done = try sandbox.submit("-N", "done", stdin: "true\n")
        try sandbox.waitForState(done, "F")
        let job = try sandbox.waitForState(running, "R")
        let owner = try #require(job.value("Job_Owner"))
        return (running, held, done, String(owner.prefix { $0 != "@" }))
    }

    @Test func selectsByStateNameUserAndHistory() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let (running, held, done, user) = try threeJobs(sandbox)
        func ids(_ arguments: String...) -> String {
            let result = sandbox.run(arguments: ["qselect"] + arguments)
            #expect(result.exitCode == 0, "\(arguments): \(result.stderr)")
            return result.stdout
        }
        #expect(ids() == "\(running)\n\(held)\n")
        #expect(ids("-N", "eng") == "\(held)\n")
        #expect(ids("-s", "R") == "\(running)\n")
        #expect(ids("-s", "QHW") == "\(held)\n")
        #expect(ids("-s", ".ne.R") == "\(held)\n")
        #expect(ids("-s", "F").isEmpty)
        #expect(ids("-x") == "\(running)\n\(held)\n\(done)\n")
        #expect(ids("-x", "-s", "F") == "\(done)\n")
        #expect(ids("-H") == "\(done)\n")
        #expect(ids("-u", user) == "\(running)\n\(held)\n")
        #expect(ids("-u", "nobody-here").isEmpty)
        #expect(ids("-u", "\(user)@*", "-N", "ctl") == "\(running)\n")
        #expect(ids("-q", "workq", "-s", "H") == "\(held)\n")
        #expect(ids("-r", "y", "-A", "none").isEmpty)
    }

    @Test func errorsAndFaultsLikeTheRealQselect() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        _ = try sandbox.submit("-h", stdin: "true\n")
        let queue = sandbox.run("qselect", "-q", "nosuch")
        #expect(queue.exitCode == 170)
        #expect(queue.stderr == "qselect: Unknown queue destination\n")
        let state = sandbox.run("qselect", "-s", "Z")
        #expect(state.exitCode == 2)
        #expect(state.stderr.hasPrefix("qselect: illegal -s value\nusage: qselect"))
        #expect(sandbox.run("qselect", "1").exitCode == 2)
        #expect(sandbox.run("qselect", "-u", "").stderr.hasPrefix("qselect: illegal -u value\n"))
        #expect(sandbox.run("qselect", "-l", "ncpus=1").exitCode == 2)
        #expect(sandbox.run("qselect", "--version").stdout == "pbs_version = 23.06.06\n")
        sandbox.run("fault", "no-history", "on")
        let history = sandbox.run("qselect", "-x")
        #expect(history.exitCode == 0 && history.stdout.isEmpty)
        #expect(history.stderr == "qselect: PBS is not configured to maintain job history\n")
        sandbox.run("fault", "no-history", "off")
        sandbox.run("stats", "reset")
        sandbox.run("fault", "server-down", "on")
        let down = sandbox.run("qselect")
        #expect(down.exitCode == 162)
        #expect(down.stderr == "Connection refused\nqselect: cannot connect to server emu (errno=15010)\n")
        #expect(sandbox.run("stats").stdout
            == "{\"qdel\":0,\"qhold\":0,\"qrls\":0,\"qselect\":1,\"qstat\":0,\"qsub\":0}\n")
        sandbox.run("fault", "server-down", "off")
        let bin = sandbox.root.appendingPathComponent("bin").path
        #expect(sandbox.run("install-links", bin).stdout.contains("/qselect -> "))
        #expect(sandbox.run(arguments: [], argv0: bin + "/qselect").stdout == "1.emu\n")
    }

    /// `-u` (and `-a`) print qstat's alternate table, also together with `-f`; `-u` filters listings, not job
    /// ids; `-F json` needs `-f` ("conflicting options", exit 2); 23.06.06 accepts `-f -F json -u` and prints
    /// the table, then the JSON envelope without jobs (openpbs#2676).
    @Test func qstatUserAndFullCombinations() throws {
        let sandbox = try Sandbox()
        defer { sandbox.stop() }
        let (running, held, done, user) = try threeJobs(sandbox)
        let table = sandbox.run("qstat", "-u", user)
        #expect(table.exitCode == 0)
        let lines = table.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 8)
        #expect(lines[0].isEmpty && lines[1] == "emu: ")
        #expect(lines[3].hasPrefix("Job ID          Username Queue    Jobname    SessID"))
        #expect(lines[5].hasPrefix(running.padding(toLength: 16, withPad: " ", startingAt: 0)))
        #expect(lines[5].hasSuffix(" R 00:00"))
        #expect(lines[6].hasPrefix(held) && lines[6].hasSuffix(" 00:05 H   -- "))
        #expect(sandbox.run("qstat", "-f", "-u", user).stdout == table.stdout)
        #expect(sandbox.run("qstat", "-a").stdout == table.stdout)
        #expect(sandbox.run("qstat", "-u", "nobody-here").stdout.isEmpty)
        #expect(sandbox.run("qstat", "-u", "nobody-here", held).stdout.contains("\n\(held) "))
        #expect(sandbox.run("qstat", "-x", "-u", user).stdout.contains("\n\(done) "))
        #expect(sandbox.run("qstat", "-H").stdout.split(separator: "\n").last?.hasPrefix(done) == true)
        let fullListing = FullTextReader.jobs(sandbox.run("qstat", "-f").stdout).map(\.id)
        #expect(fullListing == [running, held])
        let mixed = sandbox.run("qstat", "-f", "-F", "json", "-u", user)
        #expect(mixed.exitCode == 0)
        #expect(mixed.stdout.hasPrefix(table.stdout + "{\n\t\"timestamp\":\t"))
        #expect(mixed.stdout.hasSuffix("\"pbs_server\":\t\"emu\"\n}\n"))
        for arguments in [["-u", user, "-F", "json"], ["-F", "json"], ["-a", "-H"]] {
            let refused = sandbox.run(arguments: ["qstat"] + arguments)
            #expect(refused.exitCode == 2, "\(arguments)")
            #expect(refused.stderr.hasPrefix("qstat: conflicting options.\nusage: \nqstat [-f]"), "\(arguments)")
        }
        let wide = sandbox.run("qstat", "-f", "-w", "-F", "json")
        #expect(wide.exitCode == 2)
        #expect(wide.stderr.hasPrefix("qstat: option w cannot be used with -F\nusage: \n"))
    }
}
