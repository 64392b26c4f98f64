import PBSCore
import Testing

/// Every real capture in Fixtures/ parses to the jobs, states and values it shows.
@Suite("qstat parser: real captures")
struct QstatParserFixtureTests {
    // MARK: OpenPBS 23.06, captured locally

    @Test func runningJSON() throws {
        let jobs = try Fixture.parseCaptured("running_json.txt", .openpbsJSON)
        #expect(jobs.map(\.id) == ["4.vm"])
        let job = try jobs.job("4.vm")
        #expect(job.name == "capsimple")
        #expect(job.owner == "pbsuser")
        #expect(job.queue == "workq")
        #expect(job.state == .running)
        #expect(job.rawState == "R")
        #expect(job.substate == 42)
        #expect(job.exitStatus == nil)
        #expect(job.execHosts == ["vm"])
        #expect(job.walltimeRequested == 300)
        #expect(job.walltimeUsed == 0)
        #expect(job.submitTime == localEpoch(2026, 11, 25, 21, 21, 41))
        #expect(job.startTime == localEpoch(2026, 11, 25, 21, 21, 41))
        #expect(job.endTime == nil)
        #expect(job.comment == "Job run at Wed Nov 25 at 21:21 on (vm:ncpus=1)")
        #expect(job.variables["FOO"] == "bar")
        #expect(job.variables["PBS_O_INTERACTIVE_ENCRYPT_METHOD"] == "")
        #expect(job.variables.count == 12)
        #expect(job.arrayParent == nil)
        #expect(!job.isArrayParent)
    }

    @Test func heldText() throws {
        let jobs = try Fixture.parseCaptured("held_f.txt", .pbsText)
        let job = try jobs.job("7.vm")
        #expect(jobs.count == 1)
        #expect(job.state == .held)
        #expect(job.rawState == "H")
        #expect(job.substate == 20)
        #expect(job.exitStatus == nil)
        #expect(job.execHosts.isEmpty)
        // A TAB continuation joins `/home` + `/.cargo/bin` and `/u` + `sr/sbin` as printed.
        #expect(job.variables["PBS_O_PATH"] == "/opt/pbs/bin:/opt/pbs/sbin:/opt/pbs/bin:/opt/pbs/sbin:/home"
            + "/.cargo/bin:/home/.cargo/bin:/home/.pyenv/plugins/pyenv-virtualenv/shims:/home/.pyenv/shims:"
            + "/home/.pyenv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/swift/usr/bin")
        #expect(job.variables["PBS_O_HOST"] == "vm")
        #expect(job.variables["PBS_O_INTERACTIVE_ENCRYPT_METHOD"] == "")
    }

    @Test func dependencyWaitIsWaitingNotHeld() throws {
        let job = try Fixture.parseCaptured("depend_after_waiting_json.txt", .openpbsJSON).job("8.vm")
        #expect(job.state == .waiting)
        #expect(job.rawState == "H")
        #expect(job.substate == 22)
        // `-v SLEEP=5` comes out as the JSON number 5: kept as its literal token.
        #expect(job.variables["SLEEP"] == "5")
    }

    @Test func walltimeExceeded() throws {
        let jobs = try Fixture.parseCaptured("walltime_exceeded_f_x.txt", .pbsText)
        let job = try jobs.job("5.vm")
        #expect(job.state == .finished)
        #expect(job.rawState == "F")
        #expect(job.substate == 93)
        #expect(job.exitStatus == -29)
        #expect(job.execHosts == ["vm"])
        #expect(job.walltimeRequested == 10)
        #expect(job.walltimeUsed == 20)
        #expect(job.startTime == localEpoch(2026, 11, 25, 21, 21, 41))
        #expect(job.endTime == localEpoch(2026, 11, 25, 21, 22, 1))
        // Wrapped mid-word: `resou` + TAB `rce walltime`.
        #expect(job.comment == "Job run at Wed Nov 25 at 21:21 on (vm:ncpus=1) and exceeded resource walltime")
        #expect(job.variables["SLEEP"] == "60")
    }

    @Test func deletedWhileHeldHasNoExitStatus() throws {
        let job = try Fixture.parseCaptured("deleted_held_json_x.txt", .openpbsJSON).job("7.vm")
        #expect(job.state == .finished)
        #expect(job.substate == 91)
        #expect(job.exitStatus == nil)
        #expect(job.startTime == nil)
        // No obittime: the end is the last modification (the deletion).
        #expect(job.endTime == localEpoch(2026, 11, 25, 21, 21, 54))
    }

    @Test func partialFailureKeepsThePrintedJobs() throws {
        let jobs = try Fixture.parseCaptured("partial_fail_f_x.txt", .pbsText)
        #expect(jobs.map(\.id) == ["1.vm", "4.vm"])
        let finished = try jobs.job("1.vm")
        #expect(finished.state == .finished)
        #expect(finished.substate == 92)
        #expect(finished.exitStatus == 0)
        #expect(finished.comment == "Job run at Wed Nov 25 at 21:21 on (vm:ncpus=1) and finished")
        let running = try jobs.job("4.vm")
        #expect(running.state == .running)
        #expect(running.substate == 42)
        #expect(running.exitStatus == nil)
        #expect(running.variables["FOO"] == "bar")
    }

    // MARK: OpenPBS / PBS Pro JSON from public repositories

    @Test func firecrestSingleJob() throws {
        let jobs = try Fixture.parse("openpbs-qstat-f-json-firecrest-v2-23.06.06.json", .openpbsJSON)
        #expect(jobs.map(\.id) == ["1.pbs"])
        #expect(jobs[0].state == .running)
        #expect(jobs[0].substate == 42)
        #expect(jobs[0].owner == "fireuser")
    }

    @Test func firecrestAllUsers() throws {
        let jobs = try Fixture.parse("openpbs-qstat-f-json-allusers-firecrest-v2-23.06.06.json", .openpbsJSON)
        #expect(jobs.map(\.id) == ["1004.pbs", "1005.pbs", "1006.pbs"])
        #expect(jobs.map(\.state) == [.finished, .finished, .running])
        #expect(jobs.map(\.exitStatus) == [0, 0, nil])
        #expect(jobs.map(\.substate) == [92, 92, 42])
        #expect(jobs[0].walltimeUsed == 30)
        #expect(jobs[0].endTime == localEpoch(2025, 6, 19, 10, 37, 18))
    }

    @Test func metacentrumOldPrinter() throws {
        let jobs = try Fixture.parse("openpbs-qstat-xf-json-swrap-metacentrum.json", .openpbsJSON)
        let job = try jobs.job("12860476.meta-pbs.metacentrum.cz")
        #expect(job.state == .running)
        #expect(job.substate == 41)
        #expect(job.owner == "jan_brezina")
        #expect(job.execHosts == ["charon24", "charon21"])
        #expect(job.walltimeRequested == 60)
        // `Tue Oct  4 21:23:20 2022`: a one-digit day padded with a space.
        #expect(job.submitTime == localEpoch(2022, 10, 4, 21, 23, 20))
        #expect(job.startTime == localEpoch(2022, 10, 4, 21, 23, 33))
        #expect(job.variables["PBS_RESC_MEM"] == "4294967296")
        #expect(job.variables["PBS_NUM_PPN"] == "2")
        #expect(job.variables.count == 22)
    }

    @Test func finishedWithoutHistoryHasNoJobs() throws {
        // The Parsl log line wraps the stdout between `STDOUT:` and ` STDERR:`.
        let line = try Fixture.bytes("openpbs-qstat-xf-json-finished-nojobs-parsl-issue3906.txt")
        let start = try #require(Fixture.find("STDOUT:".bytes, in: line)) + 7
        let end = try #require(Fixture.find(" STDERR:".bytes, in: line))
        let stdout = Array(line[start..<end])
        #expect(QstatParser.sniff(stdout) == .openpbsJSON)
        #expect(try QstatParser.parse(stdout, format: .openpbsJSON).isEmpty)
    }

    // MARK: PBS Pro text from public repositories

    @Test func gadiEightSpaceContinuations() throws {
        let jobs = try Fixture.parse("pbspro-qstat-f-pysqa-gadi.txt", .pbsText)
        #expect(jobs.map(\.id) == ["80005196.gadi-pbs", "80005197.gadi-pbs", "80005198.gadi-pbs"])
        #expect(jobs.map(\.rawState) == ["R", "Q", "Q"])
        #expect(jobs.map(\.state) == [.running, .queued, .queued])
        #expect(jobs.map(\.substate) == [10, 10, 10])
        let first = jobs[0]
        #expect(first.walltimeRequested == 16 * 3600)
        #expect(first.variables["PBS_O_PATH"] == "/g/data/a01/random_user/mambaforge/envs/pyiron/bin:"
            + "/g/data/a01/random_user/mambaforge/condabin:/home/562/asd562/.local/bin:/home/562/asd562/bin:"
            + "/opt/pbs/default/bin:/opt/nci/bin:/opt/bin:/opt/Modules/v4.3.0/bin:/bin:/usr/bin:/usr/local/sbin:"
            + "/usr/sbin")
        #expect(first.variables["PBS_NCI_IMAGE"] == "")
        #expect(first.variables["PBS_O_HOST"] == "gadi-login-07.gadi.nci.org.au")
        let third = jobs[2]
        #expect(third.name == "test_asdfasdfasdfasdfasdfasdfasdfasdfasdfasdf")
        #expect(third.owner == "fgh562")
        #expect(third.variables["PBS_O_WORKDIR"]
            == "/scratch/a01/fgh562/VASP/test/test_asdfasdfasdfasdfasdfasdfasdfasdfasdfasdf")
    }

    @Test func gadiFinishedMidTokenWraps() throws {
        let job = try Fixture.parse("pbspro-qstat-fx-finished-gadi-nci-hpc-intro.txt", .pbsText)
            .job("137011321.gadi-pbs")
        #expect(job.state == .finished)
        #expect(job.substate == 92)
        #expect(job.exitStatus == 0)
        #expect(job.execHosts == ["gadi-cpu-clx-2119"])
        #expect(job.walltimeRequested == 1800)
        #expect(job.walltimeUsed == 34)
        // `/opt/pbs/d` + TAB `efault/bin`.
        let path = try #require(job.variables["PBS_O_PATH"])
        #expect(path.hasPrefix("/home/578/am9079/.local/bin:/home/578/am9079/bin:/opt/pbs/default/bin:/opt/nci/bin"))
        #expect(job.variables["PBS_JOBFS"] == "/jobfs/137011321.gadi-pbs")
        #expect(job.comment
            == "Job run at Fri Mar 14 at 16:57 on (gadi-cpu-clx-2119:ncpus=4:mem=3145728kb:jobfs=102400kb)"
                + " and finished")
        #expect(job.endTime == localEpoch(2025, 3, 14, 16, 58, 41))
    }

    @Test func katanaInteractiveFinished() throws {
        let jobs = try Fixture.parse("pbspro-qstat-xf-finished-katana-unsw.txt", .pbsText)
        let job = try jobs.job("4686875.kman.restech.unsw.edu.au")
        #expect(jobs.count == 1)
        #expect(job.state == .finished)
        #expect(job.exitStatus == 0)
        #expect(job.execHosts == ["k242"])
        #expect(job.owner == "z3536424")
        #expect(job.queue == "cse12")
        // `ngp` + TAB `us=0`.
        #expect(job.comment == "Job run at Thu Aug 10 at 16:10 on (k242:ncpus=1:mem=1048576kb:ngpus=0) and finished")
    }

    // MARK: Torque XML

    @Test func torqueArrayParentAndSubjobs() throws {
        let jobs = try Fixture.parse("torque-qstat-x-fyrd-stanford.xml", .torqueXML)
        #expect(jobs.map(\.id) == [
            "665199.superserver.stanford.edu", "667999.superserver.stanford.edu",
            "673174.superserver.stanford.edu", "673175[].superserver.stanford.edu",
            "673175[19].fruster.stanford.edu", "673175[20].fruster.stanford.edu",
        ])
        #expect(jobs.map(\.state) == [.running, .queued, .finished, .finished, .finished, .finished])
        #expect(jobs.map(\.exitStatus) == [-3, nil, 0, nil, 0, 0])
        let running = jobs[0]
        #expect(running.execHosts == ["node01"])
        #expect(running.walltimeUsed == 335 * 3600 + 34 * 60 + 49)
        #expect(running.submitTime == 1_479_339_279)
        #expect(running.startTime == 1_479_339_665)
        #expect(jobs[1].walltimeRequested == 23 * 3600 + 59 * 60)
        let parent = jobs[3]
        #expect(parent.isArrayParent)
        #expect(parent.arrayParent == nil)
        let subjob = jobs[4]
        #expect(!subjob.isArrayParent)
        #expect(subjob.arrayParent == "673175[].fruster.stanford.edu")
        #expect(subjob.arrayIndex == 19)
        #expect(subjob.variables["PBS_ARRAYID"] == "19")
        #expect(subjob.endTime == 1_480_547_755)
        #expect(jobs[5].arrayIndex == 20)
    }

    @Test func torqueFinishedWithMultiLineSchedHint() throws {
        let jobs = try Fixture.parse("torque-qstat-x-batcheuphoria-finished.xml", .torqueXML)
        let job = try jobs.job("4564045.pbsserver")
        #expect(jobs.count == 1)
        #expect(job.state == .finished)
        #expect(job.rawState == "C")
        #expect(job.exitStatus == 0)
        #expect(job.execHosts == ["denbi5-int"])
        #expect(job.walltimeRequested == 4 * 3600)
        #expect(job.walltimeUsed == 6)
        #expect(job.startTime == 1_522_939_183)
        #expect(job.endTime == 1_522_939_194)
        // Elements after the raw multi-line text were still read, and the text itself kept its newlines.
        let hint = try #require(job.comment)
        #expect(hint.hasPrefix("Post job file processing error; job 4564045.pbsserver on host denbi5-int/1\n\n"))
        #expect(hint.contains("Host key verification failed.\nlost connection\n"))
        #expect(job.variables["TOOL_ID"] == "snvJoinVcfFiles")
        #expect(job.variables["debugWrapInScript"] == "false")
    }

    @Test func torqueQueued() throws {
        let job = try Fixture.parse("torque-qstat-x-batcheuphoria-queued.xml", .torqueXML).job("4499334.pbsserver")
        #expect(job.state == .queued)
        #expect(job.exitStatus == nil)
        #expect(job.walltimeRequested == 5 * 3600)
        #expect(job.submitTime == 1_522_255_162)
        #expect(job.variables["TOOL_ID"] == "starAlignment")
    }

    // MARK: Sniffing

    @Test func sniffsEveryFixture() throws {
        #expect(QstatParser.sniff(try Fixture.capturedStdout("running_json.txt")) == .openpbsJSON)
        #expect(QstatParser.sniff(try Fixture.capturedStdout("held_f.txt")) == .pbsText)
        #expect(QstatParser.sniff(try Fixture.bytes("torque-qstat-x-fyrd-stanford.xml")) == .torqueXML)
        #expect(QstatParser.sniff(try Fixture.bytes("openpbs-qstat-f-json-firecrest-v2-23.06.06.json"))
            == .openpbsJSON)
        #expect(QstatParser.sniff("Job Id:\t12\n".bytes) == .pbsText)
        #expect(QstatParser.sniff("qstat: Unknown Job Id 9.vm\n".bytes) == nil)
        #expect(QstatParser.sniff([]) == nil)
        #expect(QstatParser.sniff("  \n".bytes) == nil)
    }
}
