import ClusterCore
import ClusterDaemon
import Foundation
import Logging
import Testing
import TestSupport

@Suite struct EventLogTests {
    func event(_ n: Int) -> ClusterEvent {
        ClusterEvent(kind: .submitted, cluster: "c", role: .engine, jobID: "\(n).server", message: "event \(n)",
                     time: Timestamp(Double(n)))
    }

    @Test func ringIsBoundedAndFileRotates() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/state/events.log"
        let log = EventLog(path: path, logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }, capacity: 5,
                           maxFileBytes: 1_000)
        for n in 1...40 { await log.record(event(n)) }
        let recent = await log.recent()
        #expect(recent.map(\.jobID) == (36...40).map { "\($0).server" })
        #expect(await log.recent(cluster: "other").isEmpty)
        let current = try String(contentsOfFile: path, encoding: .utf8)
        let rotated = try String(contentsOfFile: path + ".1", encoding: .utf8)
        #expect(current.utf8.count <= 1_000)
        #expect(rotated.utf8.count <= 1_000)
        #expect(current.hasSuffix("\n"))
        // Every line is a whole event, the newest last.
        let last = try #require(current.split(separator: "\n").last)
        let decoded = try JSONDecoder().decode(ClusterEvent.self, from: Data(last.utf8))
        #expect(decoded == event(40))
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }
}
