import Foundation
import Testing
@testable import PBSEmulator

/// The formatters against the real OpenPBS 23.06 captures, byte for byte.
@Suite struct FormatterTests {
    @Test(arguments: ["held_f.txt", "partial_fail_f_x.txt", "walltime_exceeded_f_x.txt"])
    func fullTextReproducesCapture(_ name: String) throws {
        let capture = try Capture.load(name)
        let jobs = FullTextReader.jobs(capture.stdout)
        #expect(!jobs.isEmpty)
        #expect(QstatTextFormatter.full(jobs) == capture.stdout)
    }

    @Test func jsonReproducesRunningCaptureFromTheSameJobsText() throws {
        // 4.vm is running in both captures, seconds apart: the text attributes rendered as JSON must give the
        // JSON capture exactly.
        let text = try Capture.load("partial_fail_f_x.txt")
        let json = try Capture.load("running_json.txt")
        let job = try #require(FullTextReader.jobs(text.stdout).first { $0.id == "4.vm" })
        let rendered = QstatJSONFormatter.envelope(jobs: [job], server: "vm", timestamp: 1_795_641_705)
        #expect(rendered == json.stdout)
    }

    @Test func emptyEnvelopeHasNoJobsKey() {
        let rendered = QstatJSONFormatter.envelope(jobs: [], server: "vm", timestamp: 5)
        let expected = "{\n\t\"timestamp\":\t5,\n\t\"pbs_version\":\t\"23.06.06\",\n\t\"pbs_server\":\t\"vm\"\n}\n"
        #expect(rendered == expected)
    }

    @Test func valuesBecomeNumbersLikeCJSON() {
        #expect(CJSONValue.parsed("007") == .number(7))
        #expect(CJSONValue.parsed("-29") == .number(-29))
        #expect(CJSONValue.parsed("1795641714") == .number(1_795_641_714))
        #expect(CJSONValue.parsed("1.5") == .number(1.5))
        #expect(CJSONValue.parsed("00:05:00") == .string("00:05:00"))
        #expect(CJSONValue.parsed("1:ncpus=1") == .string("1:ncpus=1"))
        #expect(CJSONValue.parsed("0kb") == .string("0kb"))
        #expect(CJSONValue.parsed("True") == .string("True"))
        #expect(CJSONValue.parsed("+5") == .string("+5"))
        #expect(CJSONValue.parsed("") == .string(""))
        #expect(CJSONValue.parsed("true") == .bool(true))
        #expect(CJSONValue.number(7).printed() == "7")
        #expect(CJSONValue.number(1.5).printed() == "1.5")
        #expect(CJSONValue.string("a\"b\\c\td").printed() == "\"a\\\"b\\\\c\\td\"")
    }

    @Test func wrappingSplitsAtCommasThenAnywhere() {
        let short = QstatAttribute("comment", "short, with comma")
        #expect(QstatTextFormatter.attributeLine(short) == "    comment = short, with comma")
        let long = QstatAttribute("Submit_arguments", String(repeating: "x", count: 100))
        let lines = QstatTextFormatter.attributeLine(long).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].count == 79)
        #expect(lines[1] == "\t" + String(repeating: "x", count: 44))
    }

    @Test func plainTableMatchesOpenPBSColumns() {
        let job = QstatJob(id: "12.vm.example.org", attributes: [
            QstatAttribute("Job_Name", "a-very-long-job-name"), QstatAttribute("Job_Owner", "alice@login1"),
            QstatAttribute("job_state", "Q"), QstatAttribute("queue", "workq"),
        ])
        let expected = """
            Job id            Name             User              Time Use S Queue
            ----------------  ---------------- ----------------  -------- - -----
            12.vm             a-very-long-job  alice                    0 Q workq           

            """
        #expect(QstatTextFormatter.table([job]) == expected)
        #expect(QstatTextFormatter.table([]) == "")
    }

    /// `qstat -a`/`-u` rows laid out as qstat.c's `altdsp_statjob` prints them: truncation with `*`, right-aligned
    /// numbers, ` -- ` for what a job does not have yet, HH:MM of the times, sizes in the largest fitting unit.
    @Test func alternateTableMatchesAltdspColumns() {
        let running = QstatJob(id: "12.vm", attributes: [
            QstatAttribute("Job_Name", "a-very-long-name"), QstatAttribute("Job_Owner", "pbsuser@vm"),
            QstatAttribute("resources_used", resource: "walltime", "00:12:34"), QstatAttribute("job_state", "R"),
            QstatAttribute("queue", "workq"), QstatAttribute("Resource_List", resource: "mem", "1048576kb"),
            QstatAttribute("Resource_List", resource: "ncpus", "2"),
            QstatAttribute("Resource_List", resource: "nodect", "1"),
            QstatAttribute("Resource_List", resource: "walltime", "01:00:00"), QstatAttribute("session_id", "4242"),
        ])
        let queued = QstatJob(id: "13.vm", attributes: [
            QstatAttribute("Job_Name", "STDIN"), QstatAttribute("Job_Owner", "averylongusername@vm"),
            QstatAttribute("job_state", "Q"), QstatAttribute("queue", "longqueuename"),
            QstatAttribute("Resource_List", resource: "ncpus", "1"),
            QstatAttribute("Resource_List", resource: "nodect", "1"),
        ])
        let expected = "\nvm: \n" + String(repeating: " ", count: 60) + "Req'd  Req'd   Elap\n" + """
            Job ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time
            --------------- -------- -------- ---------- ------ --- --- ------ ----- - -----
            12.vm           pbsuser  workq    a-very-lo*   4242   1   2 1024mb 01:00 R 00:12
            13.vm           averylo* longque* STDIN         --    1   1    --    --  Q   -- 

            """
        #expect(QstatTextFormatter.alternate([running, queued], server: "vm") == expected)
        #expect(QstatTextFormatter.alternate([], server: "vm") == "")
        #expect(QstatTextFormatter.alternateSize("2gb") == "2gb")
        #expect(QstatTextFormatter.alternateSize("100") == "100 b")
        #expect(QstatTextFormatter.alternateSize("20000mb") == "20gb")
    }

    /// Walltime values as OpenPBS's `decode_time` takes them.
    @Test func timeValuesDecodeLikeOpenPBS() {
        #expect(PBSTime.decodeTime("10") == 10)
        #expect(PBSTime.decodeTime("1:30") == 90)
        #expect(PBSTime.decodeTime("01:00:00") == 3600)
        #expect(PBSTime.decodeTime("5:") == 300)
        #expect(PBSTime.decodeTime("1.5") == 2)
        #expect(PBSTime.decodeTime("1.4") == 1)
        #expect(PBSTime.decodeTime("abc") == nil)
        #expect(PBSTime.decodeTime("1:2:3:4") == nil)
        #expect(PBSTime.decodeTime(":5") == nil)
        #expect(PBSTime.decodeTime("1::2") == nil)
        #expect(PBSTime.decodeTime("1.x") == nil)
        #expect(PBSTime.decodeTime("-5") == nil)
    }
}
