import PBSCore
import Testing

/// Dialect details the real captures do not cover: the Slurm wrapper, escapes, entities, state letters.
@Suite("qstat parser: dialect details")
struct QstatParserFormatTests {
    private let slurm = """
        Job Id:\t12
        \tJob_Name = engines
        \tJob_Owner = pbsuser@vm
        \tinteractive = True
        \tjob_state = R
        \tqueue = workq
        \tqtime = Wed Nov 25 21:21:41 2026
        \tmtime = Wed Nov 25 21:21:43 2026
        \tctime = Wed Nov 25 22:21:43 2026
        \texec_host = vm/2+vm2/2
        \tPriority = 4294901758
        \teuser = pbsuser(1000)
        \tegroup = pbsuser(1000)
        \tResource_List.walltime = 01:00:00
        \tResource_List.nodect = 1
        \tResource_List.ncpus = 2

        Job Id:\t13
        \tJob_Name = done
        \tJob_Owner = pbsuser@vm
        \tjob_state = C
        \tqueue = workq
        \tqtime = Wed Nov  4 09:00:00 2026
        \tmtime = Wed Nov  4 09:00:01 2026
        \tctime = Wed Nov  4 09:05:01 2026
        \tResource_List.walltime = 71582788:15:00

        Job Id:\t14
        \tjob_state = U
        \tqueue = workq

        """

    @Test func slurmWrapperText() throws {
        let jobs = try QstatParser.parse(slurm.bytes, format: .pbsText)
        #expect(jobs.map(\.id) == ["12", "13", "14"])
        #expect(jobs.map(\.state) == [.running, .finished, .exiting])
        let running = jobs[0]
        #expect(running.name == "engines")
        #expect(running.owner == "pbsuser")
        #expect(running.execHosts == ["vm", "vm2"])
        #expect(running.walltimeRequested == 3600)
        #expect(running.exitStatus == nil)
        // qtime = submit, mtime = start; ctime is only a projected end while running.
        #expect(running.submitTime == localEpoch(2026, 11, 25, 21, 21, 41))
        #expect(running.startTime == localEpoch(2026, 11, 25, 21, 21, 43))
        #expect(running.endTime == nil)
        let done = jobs[1]
        #expect(done.endTime == localEpoch(2026, 11, 4, 9, 5, 1))
        #expect(done.walltimeRequested == nil)  // Slurm's "no limit"
    }

    @Test func openPBSStateLetters() throws {
        let cases: [(String, Int?, String?, PBSJobState)] = [
            ("Q", 10, nil, .queued), ("T", nil, nil, .queued), ("H", 20, "u", .held), ("H", 22, "s", .waiting),
            ("H", nil, "s", .waiting), ("H", 20, "s", .held), ("W", 30, nil, .waiting), ("R", 42, nil, .running),
            ("B", 70, nil, .running), ("E", 50, nil, .exiting), ("S", 43, nil, .suspended),
            ("U", 45, nil, .suspended), ("X", 93, nil, .finished), ("F", 92, nil, .finished),
            ("C", nil, nil, .finished), ("M", nil, nil, .exiting),
        ]
        for (letter, substate, holdTypes, expected) in cases {
            var text = "Job Id: 1.srv\n    job_state = \(letter)\n"
            if let substate { text += "    substate = \(substate)\n" }
            if let holdTypes { text += "    Hold_Types = \(holdTypes)\n" }
            let job = try #require(try QstatParser.parse((text + "\n").bytes, format: .pbsText).first)
            #expect(job.state == expected, "\(letter)/\(substate.map(String.init) ?? "-")/\(holdTypes ?? "-")")
            #expect(job.rawState == letter)
        }
    }

    @Test func textVariableListEscapesAndWraps() throws {
        let text = "Job Id: 6[2].srv\n    job_state = R\n    array_id = 6[].srv\n    array_index = 2\n"
            + "    Variable_List = A=x\\,y,B=back\\\\slash,C=one=two,D=,EMPTY\n"
            + "\t,LONG=abc\n        def\n"
            + "    comment = ok\n\n"
        let job = try #require(try QstatParser.parse(text.bytes, format: .pbsText).first)
        #expect(job.variables == ["A": "x,y", "B": "back\\slash", "C": "one=two", "D": "", "EMPTY": "",
                                  "LONG": "abcdef"])
        #expect(job.arrayParent == "6[].srv")
        #expect(job.arrayIndex == 2)
        #expect(!job.isArrayParent)
        #expect(job.comment == "ok")
    }

    @Test func jsonEscapesAndLiteralNumbers() throws {
        let json = #"""
            {"Jobs":{"6[].srv":{"job_state":"B","substate":70,"array":"True",
            "Job_Name":"caf\u00e9 \"q\" \ud83d\ude00","comment":"a\tb\nc\/d",
            "Exit_status":-1,
            "Variable_List":{"BAZ":007,"BIG":4294967296,"F":1.50,"E":1e5,"T":true,"N":null,
            "BS":"a\\\\b","CM":"x\\,y","OBJ":{"k": [1, 2]}},
            "unknown":[{"x":[null,true,"]"]}]}}}
            """#
        let job = try #require(try QstatParser.parse(json.bytes, format: .openpbsJSON).first)
        #expect(job.id == "6[].srv")
        #expect(job.state == .running)
        #expect(job.isArrayParent)
        #expect(job.name == "café \"q\" 😀")
        #expect(job.comment == "a\tb\nc/d")
        #expect(job.exitStatus == -1)
        #expect(job.variables["BAZ"] == "007")
        #expect(job.variables["BIG"] == "4294967296")
        #expect(job.variables["F"] == "1.50")
        #expect(job.variables["E"] == "1e5")
        #expect(job.variables["T"] == "true")
        #expect(job.variables["N"] == "null")
        #expect(job.variables["BS"] == "a\\b")  // `-v` backslashes come out escaped twice
        #expect(job.variables["CM"] == "x,y")
        #expect(job.variables["OBJ"] == "{\"k\": [1, 2]}")
    }

    @Test func xmlEntitiesCDATAAndSelfClosing() throws {
        let xml = """
            <?xml version="1.0"?>
            <!-- a comment -->
            <Data>
              <Job>
                <Job_Id>7.srv</Job_Id>
                <Job_Name>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#65;&#x42;</Job_Name>
                <job_state>H</job_state><Hold_Types>s</Hold_Types>
                <comment><![CDATA[raw <text> & more]]> tail</comment>
                <exec_host/>
                <Variable_List>K=v&amp;w,L=x\\,y</Variable_List>
                <unknown attr="1"><nested><deeper>z</deeper></nested></unknown>
              </Job>
            </Data>
            """
        let job = try #require(try QstatParser.parse(xml.bytes, format: .torqueXML).first)
        #expect(job.name == "a & b <c> \"d\" 'e' AB")
        #expect(job.state == .waiting)
        #expect(job.comment == "raw <text> & more tail")
        #expect(job.execHosts.isEmpty)
        #expect(job.variables == ["K": "v&w", "L": "x,y"])
    }

    @Test func crlfLineEndings() throws {
        let text = "Job Id: 1.vm\r\n    job_state = Q\r\n    queue = workq\r\n\r\n"
        let job = try #require(try QstatParser.parse(text.bytes, format: .pbsText).first)
        #expect(job.queue == "workq")
        #expect(job.state == .queued)
    }

    @Test func durations() throws {
        let cases: [(String, Int?)] = [
            ("00:05:00", 300), ("16:00:00", 57600), ("335:34:49", 1_208_089), ("3600", 3600), ("05:30", 330),
            ("1:00:00:00", 86400), ("00:00:10.5", 10), ("", nil), ("abc", nil), ("71582788:15:00", nil),
        ]
        for (text, expected) in cases {
            let listing = "Job Id: 1.vm\n    job_state = R\n    Resource_List.walltime = \(text)\n\n"
            let job = try #require(try QstatParser.parse(listing.bytes, format: .pbsText).first)
            #expect(job.walltimeRequested == expected, "\(text)")
        }
    }
}
