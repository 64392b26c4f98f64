import PBSCore
import Testing

@Suite struct PBSDurationTests {
    @Test func readsWhatQstatPrintsAndWhatUsersWrite() {
        #expect(PBSDuration.seconds("16:00:00") == 57_600)
        #expect(PBSDuration.seconds("335:34:49") == 1_208_089)
        #expect(PBSDuration.seconds("15:00") == 900)
        #expect(PBSDuration.seconds("3600") == 3_600)
        // Days and fractions only where asked for (qstat output), not in a configuration's `[[H:]M:]S`.
        #expect(PBSDuration.seconds("1:00:00:00") == nil)
        #expect(PBSDuration.seconds("1:00:00:00", maxFields: 4) == 86_400)
        #expect(PBSDuration.seconds("00:00:05.25") == nil)
        #expect(PBSDuration.seconds("00:00:05.25", fraction: true) == 5)
        for bad in ["", ":", "1::2", "1:", "abc", "1:2:x", "-5"] { #expect(PBSDuration.seconds(bad) == nil, "\(bad)") }
    }

    @Test func printsHoursMinutesSeconds() {
        #expect(PBSDuration.format(0) == "00:00:00")
        #expect(PBSDuration.format(3_725) == "01:02:05")
        #expect(PBSDuration.format(360_000) == "100:00:00")
        for seconds in [0, 59, 60, 3_599, 86_400, 123_456] {
            #expect(PBSDuration.seconds(PBSDuration.format(seconds)) == seconds)
        }
    }
}
