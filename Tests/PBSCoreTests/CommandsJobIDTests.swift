import PBSCore
import Testing

@Suite("job id shape and matching")
struct CommandsJobIDTests {
    @Test(arguments: ["4", "4.server", "6[].server", "673175[19].host.domain", "12", "1.vm-1_x"])
    func valid(id: String) {
        #expect(PBSJobID.isValid(id))
    }

    @Test(arguments: ["", "abc", "4.", ".server", "4 .server", "6[.server", "6]", "4.server;rm", "-4", "4.ser ver",
                      "12.3.4x@@", "4\n"])
    func invalid(id: String) {
        #expect(!PBSJobID.isValid(id))
    }

    @Test func shortFormsAndSequenceNumbers() {
        #expect(PBSJobID.shortForm("4.server.domain") == "4")
        #expect(PBSJobID.shortForm("6[].server") == "6[]")
        #expect(PBSJobID.sequenceNumber("12.host") == "12")
        #expect(PBSJobID.sequenceNumber("6[].server") == "6")
    }

    @Test func shortAndFullFormsMatchBothWays() {
        let matches = PBSJobID.match(asked: ["4", "5.vm", "6[].vm", "7.vm"], printed: ["4.vm", "5", "6[].vm"])
        #expect(matches == ["4": "4.vm", "5.vm": "5", "6[].vm": "6[].vm"])
    }

    @Test func ambiguousShortFormsOnlyMatchExactly() {
        let matches = PBSJobID.match(asked: ["4", "4.a"], printed: ["4.a", "4.b"])
        #expect(matches == ["4.a": "4.a"])
    }

    @Test func arrayParentDoesNotMatchPlainJob() {
        #expect(PBSJobID.match(asked: ["6.vm"], printed: ["6[].vm"]).isEmpty)
    }
}
