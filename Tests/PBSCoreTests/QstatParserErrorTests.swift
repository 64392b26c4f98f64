import PBSCore
import Testing

/// Garbage, truncated and binary input throws `QstatParseError` with a sensible place; blank input does not.
@Suite("qstat parser: invalid input")
struct QstatParserErrorTests {
    private func error(_ bytes: [UInt8], _ format: QstatFormat) -> QstatParseError? {
        do {
            _ = try QstatParser.parse(bytes, format: format)
            return nil
        } catch {
            return error
        }
    }

    private func lines(_ bytes: [UInt8], upTo offset: Int) -> Int {
        bytes[..<offset].filter { $0 == 0x0A }.count + 1
    }

    // MARK: Blank input

    @Test func blankTextAndXMLAreZeroJobs() throws {
        #expect(try QstatParser.parse([], format: .pbsText).isEmpty)
        #expect(try QstatParser.parse(" \n\n\t\n".bytes, format: .pbsText).isEmpty)
        #expect(try QstatParser.parse([], format: .torqueXML).isEmpty)
        #expect(try QstatParser.parse("\n".bytes, format: .torqueXML).isEmpty)
    }

    @Test func emptyJSONIsNoOutput() throws {
        let failure = try #require(error([], .openpbsJSON))
        #expect(failure.format == .openpbsJSON)
        #expect(failure.offset == 0)
        #expect(failure.line == 1)
        #expect(failure.reason.contains("no output"))
        #expect(error("  \n".bytes, .openpbsJSON) != nil)
    }

    @Test func envelopeWithoutJobsIsZeroJobs() throws {
        let envelope = "{\n\t\"timestamp\":\t1795641718,\n\t\"pbs_version\":\t\"23.06.06\",\n"
            + "\t\"pbs_server\":\t\"vm\"\n}\n"
        #expect(try QstatParser.parse(envelope.bytes, format: .openpbsJSON).isEmpty)
        #expect(try QstatParser.parse("{\"Jobs\":{}}".bytes, format: .openpbsJSON).isEmpty)
        #expect(try QstatParser.parse("<Data></Data>".bytes, format: .torqueXML).isEmpty)
    }

    // MARK: Garbage

    @Test func garbageInEveryFormat() throws {
        let garbage = "hello world\nthis is not qstat\n".bytes
        for format in QstatFormat.allCases {
            let failure = try #require(error(garbage, format), "\(format) accepted garbage")
            #expect(failure.format == format)
            #expect(failure.offset == 0)
            #expect(failure.line == 1)
            #expect(failure.excerpt.hasPrefix("hello world"))
        }
    }

    @Test func textLineThatIsNeitherAttributeNorContinuation() throws {
        let text = "Job Id: 1.vm\n    job_state = R\nqstat: Unknown Job Id 2.vm\n    queue = workq\n\n"
        let failure = try #require(error(text.bytes, .pbsText))
        #expect(failure.line == 3)
        #expect(failure.offset == 31)
        #expect(failure.excerpt.hasPrefix("qstat: Unknown Job Id"))
    }

    @Test func textAttributeWithoutEquals() throws {
        let text = "Job Id: 1.vm\n    job_state R\n\n"
        let failure = try #require(error(text.bytes, .pbsText))
        #expect(failure.line == 2)
        #expect(failure.reason.contains("' = '"))
    }

    @Test func textContinuationBeforeAnyAttribute() throws {
        let failure = try #require(error("Job Id: 1.vm\n\tstray\n\n".bytes, .pbsText))
        #expect(failure.line == 2)
    }

    @Test func jsonStructureErrors() throws {
        let missingColon = try #require(error("{\"Jobs\" {}}".bytes, .openpbsJSON))
        #expect(missingColon.offset == 8)
        let badValue = try #require(error("{\"Jobs\":{\"1.vm\":{\"job_state\":R}}}".bytes, .openpbsJSON))
        #expect(badValue.offset == 29)
        let trailing = try #require(error("{}\n{}".bytes, .openpbsJSON))
        #expect(trailing.line == 2)
        #expect(trailing.offset == 3)
    }

    @Test func xmlMismatchedEndTag() throws {
        let xml = "<Data><Job><Job_Id>1.srv</Job_Name><job_state>R</job_state></Job></Data>"
        let failure = try #require(error(xml.bytes, .torqueXML))
        #expect(failure.offset == 24)
        #expect(failure.reason.contains("Job_Id"))
    }

    @Test func jobWithoutStateIsAnError() throws {
        let text = "Job Id: 1.vm\n    Job_Name = x\n\n"
        let failure = try #require(error(text.bytes, .pbsText))
        #expect(failure.offset == 0)
        #expect(failure.reason.contains("1.vm"))
        let xml = "<Data><Job><job_state>R</job_state></Job></Data>"
        #expect(try #require(error(xml.bytes, .torqueXML)).reason.contains("id"))
    }

    // MARK: Truncation

    @Test func truncatedJSONAnywhere() throws {
        let full = try Fixture.capturedStdout("running_json.txt")
        for cut in [1, 40, full.count / 2, full.count - 3] {
            let failure = try #require(error(Array(full[..<cut]), .openpbsJSON), "accepted a cut at \(cut)")
            #expect(failure.offset <= cut)
            #expect(failure.line == lines(full, upTo: failure.offset))
        }
        let failure = try #require(error(Array(full[..<(full.count / 2)]), .openpbsJSON))
        #expect(failure.offset == full.count / 2)
        #expect(failure.reason.contains("cut short"))
    }

    @Test func truncatedXMLAnywhere() throws {
        let full = try Fixture.bytes("torque-qstat-x-fyrd-stanford.xml")
        for cut in [3, 200, full.count / 2, full.count - 1] {
            let failure = try #require(error(Array(full[..<cut]), .torqueXML), "accepted a cut at \(cut)")
            #expect(failure.offset <= cut)
            #expect(failure.line == lines(full, upTo: failure.offset))
        }
    }

    @Test func truncatedTextLastLine() throws {
        let full = try Fixture.capturedStdout("held_f.txt")
        let cut = Array(full[..<(full.count - 20)])  // inside `    Submit_Host = vm`'s block
        let failure = try #require(error(cut, .pbsText))
        #expect(failure.reason.contains("no newline"))
        #expect(failure.line == lines(cut, upTo: cut.count))
        #expect(cut[failure.offset - 1] == 0x0A)
        // Cut before job_state: the block has no state.
        let head = Array(full[..<(Fixture.find("    job_state".bytes, in: full)!)])
        let early = try #require(error(head, .pbsText))
        #expect(early.reason.contains("job_state"))
    }

    // MARK: Binary

    @Test func nulBytesInEveryFormat() throws {
        let inputs: [(QstatFormat, [UInt8])] = [
            (.openpbsJSON, try Fixture.capturedStdout("running_json.txt")),
            (.pbsText, try Fixture.capturedStdout("held_f.txt")),
            (.torqueXML, try Fixture.bytes("torque-qstat-x-batcheuphoria-queued.xml")),
        ]
        for (format, clean) in inputs {
            var bytes = clean
            let position = bytes.count / 3
            bytes[position] = 0
            let failure = try #require(error(bytes, format))
            #expect(failure.offset == position)
            #expect(failure.line == lines(bytes, upTo: position))
            #expect(failure.reason.contains("binary"))
            #expect(failure.excerpt.contains("\\x00"))
        }
    }

    @Test func invalidUTF8() throws {
        var bytes = "Job Id: 1.vm\n    job_state = R\n    comment = caf".bytes
        let position = bytes.count
        bytes += [0xC3, 0x28] + "\n\n".bytes
        let failure = try #require(error(bytes, .pbsText))
        #expect(failure.offset == position)
        #expect(failure.line == 3)
        #expect(failure.excerpt.contains("\\xC3"))
        // Valid multi-byte UTF-8 is fine.
        let ok = "Job Id: 1.vm\n    job_state = R\n    comment = café ✓\n\n".bytes
        #expect(try QstatParser.parse(ok, format: .pbsText).first?.comment == "café ✓")
    }

    @Test func randomBytesNeverCrash() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255) }
            for format in QstatFormat.allCases {
                _ = error(bytes, format)
            }
        }
    }

    @Test func deepNestingIsRejectedNotRecursedForever() throws {
        let json = "{\"Jobs\":{\"1\":{\"x\":" + String(repeating: "[", count: 10000)
        #expect(try #require(error(json.bytes, .openpbsJSON)).reason.contains("deep"))
        let xml = "<Data><Job><x>" + String(repeating: "<a>", count: 10000)
        #expect(try #require(error(xml.bytes, .torqueXML)).reason.contains("deep"))
    }

    @Test func descriptionNamesEverything() throws {
        let failure = try #require(error("{\"a\":".bytes, .openpbsJSON))
        #expect(failure.description.hasPrefix("openpbs-json: "))
        #expect(failure.description.contains("line 1 (byte 5)"))
    }
}
