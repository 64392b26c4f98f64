import ClusterConfiguration
import PBSCore
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("30s", 30), ("15m", 900), ("2h", 7_200), ("1d", 86_400), ("1h30m", 5_400), ("90", 90),
        ("24:00:00", 86_400), ("15:00", 900), ("00:00:05", 5), ("48:30:00", 174_600), (" 10s ", 10),
    ])
    func parses(text: String, seconds: Int) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "abc", "10x", "s", "1:2:3:4", "1::2", "-5s", "1.5h", "10 s", "12345678901s", ":30"])
    func rejects(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test func formats() {
        #expect(DurationText.format(0) == "0s")
        #expect(DurationText.format(5_400) == "1h30m")
        #expect(DurationText.format(90_061) == "1d1h1m1s")
        #expect(PBSDuration.format(86_400) == "24:00:00")
        #expect(PBSDuration.format(3_725) == "01:02:05")
        #expect(PBSDuration.format(360_000) == "100:00:00")
    }
}
