import PBSCore
import Testing

/// The JSON-lines encoding `clusterd inspect-qstat` prints.
@Suite("PBSJob JSON lines")
struct JSONLinesTests {
    @Test func escapesAndNulls() {
        let job = PBSJob(
            id: "1.vm", name: "q\"uote\\back", state: .held, rawState: "H", substate: 20,
            comment: "tab\tnl\ncr\rctl\u{01}\u{1F} é ✓ long enough to use the word path 0123456789",
            variables: ["B": "2", "A": "x\"y"]
        )
        var output: [UInt8] = []
        job.appendJSONLine(to: &output)
        let line = String(decoding: output, as: UTF8.self)
        #expect(line == "{\"id\":\"1.vm\",\"name\":\"q\\\"uote\\\\back\",\"owner\":null,\"queue\":null,"
            + "\"state\":\"held\",\"rawState\":\"H\",\"substate\":20,\"exitStatus\":null,\"execHosts\":[],"
            + "\"walltimeRequested\":null,\"walltimeUsed\":null,\"submitTime\":null,\"startTime\":null,"
            + "\"endTime\":null,\"comment\":\"tab\\tnl\\ncr\\rctl\\u0001\\u001f é ✓ long enough to use the word "
            + "path 0123456789\",\"variables\":{\"A\":\"x\\\"y\",\"B\":\"2\"},\"arrayParent\":null,"
            + "\"isArrayParent\":false,\"arrayIndex\":null}\n")
    }

    @Test func numbersAndArrays() {
        let job = PBSJob(
            id: "6[3].srv", state: .finished, rawState: "X", exitStatus: -29, execHosts: ["a", "b"],
            walltimeRequested: 0, walltimeUsed: Int.max, arrayParent: "6[].srv", arrayIndex: 3
        )
        let line = String(decoding: [job].jsonLines(), as: UTF8.self)
        #expect(line.contains("\"exitStatus\":-29,\"execHosts\":[\"a\",\"b\"],\"walltimeRequested\":0,"
            + "\"walltimeUsed\":9223372036854775807,"))
        #expect(line.hasSuffix("\"arrayParent\":\"6[].srv\",\"isArrayParent\":false,\"arrayIndex\":3}\n"))
    }

    @Test func inspectionSniffsAndReportsUnknownInput() throws {
        #expect(try QstatInspection.run([], format: nil).isEmpty)
        #expect(try QstatInspection.run(" \n".bytes, format: nil).isEmpty)
        do {
            _ = try QstatInspection.run("qstat: Unknown Job Id 9.vm\n".bytes, format: nil)
            Issue.record("accepted an error message as qstat output")
        } catch {
            #expect(error == .unrecognized(excerpt: "qstat: Unknown Job Id 9.vm"))
            #expect(error.description.contains("cannot tell the qstat format"))
        }
        let xml = try QstatInspection.run(Fixture.bytes("torque-qstat-x-fyrd-stanford.xml"), format: nil)
        #expect(xml.split(separator: 0x0A).count == 6)
    }
}
