import ClusterAPI
import ClusterDaemon
import Foundation
import Glibc
import POSIXSupport
import TestSupport
import Testing

@Suite struct AtomicFileTests {
    @Test func writesWithModeAndCreatesParents() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/a/b/handoff.json"
        try AtomicFile.write("one\n", to: path)
        #expect(try FileIO.read(path) == Array("one\n".utf8))
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(dir.path + "/a/b", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        try AtomicFile.write("two\n", to: path)
        #expect(try FileIO.read(path) == Array("two\n".utf8))
        // No temp files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/a/b") == ["handoff.json"])
        #expect(try FileIO.read(dir.path + "/missing") == nil)
    }

    /// A reader polling while a writer replaces the file only ever sees one complete version.
    @Test func readersNeverSeeHalfAFile() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/f"
        let versions = (0..<40).map { String(repeating: Character(UnicodeScalar(65 + $0 % 26)!), count: 20_000) }
        try AtomicFile.write(versions[0], to: path)
        let reader = Task.detached { () -> Int in
            var torn = 0
            for _ in 0..<500 {
                guard let bytes = try? FileIO.read(path) else { continue }
                if Set(bytes).count != 1 || bytes.count != 20_000 { torn += 1 }
            }
            return torn
        }
        for version in versions { try AtomicFile.write(version, to: path) }
        #expect(await reader.value == 0)
    }

    @Test func errorsNameThePathAndStep() throws {
        let dir = try TemporaryDirectory()
        try AtomicFile.write("x", to: dir.path + "/file")
        #expect {
            try AtomicFile.write("y", to: dir.path + "/file/below")
        } throws: { error in
            "\(error)".contains(dir.path + "/file") && "\(error)".contains("failed")
        }
    }
}

@Suite struct DaemonLockTests {
    @Test func secondHolderIsRefusedWithTheHolderNamed() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/state/clusterd.lock"
        var first: DaemonLock? = try DaemonLock(path: path)
        let content = String(decoding: try #require(try FileIO.read(path)), as: UTF8.self)
        #expect(content.contains("pid \(getpid())"))
        #expect {
            try DaemonLock(path: path)
        } throws: { error in
            guard let held = error as? DaemonLock.Held else { return false }
            return held.description.contains("pid \(getpid())") && held.description.contains("only one clusterd")
        }
        first = nil
        _ = first
        #expect(throws: Never.self) { _ = try DaemonLock(path: path) }
    }

    /// The lock is held by the process, so it is gone when the process dies (even by SIGKILL).
    @Test func lockDiesWithItsProcess() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/clusterd.lock"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--no-fork", path, "sleep", "30"]
        try holder.run()
        var locked = false
        for _ in 0..<100 where !locked {
            do { _ = try DaemonLock(path: path) } catch is DaemonLock.Held { locked = true }
            if !locked { usleep(20_000) }
        }
        #expect(locked)
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        #expect(throws: Never.self) { _ = try DaemonLock(path: path) }
    }
}

@Suite struct HandoffTests {
    @Test func roundTripsWithStableKeys() throws {
        let dir = try TemporaryDirectory()
        let file = JSONFile.handoff(dir.path + "/default/controller.json")
        #expect(try file.read() == nil)
        let handoff = HandoffDocument(cluster: "default", address: "10.1.2.3", controllerJob: "4.server", generation: 2,
                              engineFile: "/h/.ipython/profile_pbs/security/ipcontroller-engine.json",
                              clientFile: nil, writtenAt: 1_795_641_718)
        try file.write(handoff)
        #expect(try file.read() == handoff)
        let text = String(decoding: try #require(try FileIO.read(file.path)), as: UTF8.self)
        #expect(text.contains("\"controller_job\" : \"4.server\""))
        #expect(text.contains("\"engine_file\" : \"/h/.ipython/profile_pbs/security/ipcontroller-engine.json\""))
    }

    @Test func controllerReportsAreValidated() throws {
        let dir = try TemporaryDirectory()
        #expect(try ControllerReport.read(jobID: "7.vm", directory: dir.path) == nil)
        func report(_ json: String) throws -> ControllerReport? {
            try AtomicFile.write(json, to: dir.path + "/controller-7.vm.json")
            return try ControllerReport.read(jobID: "7.vm", directory: dir.path)
        }
        let good = try report(#"{"job_id": "7.vm", "address": "127.0.0.1", "host": "n1", "engine_file": "/e.json"}"#)
        #expect(good?.address == "127.0.0.1")
        #expect(try report(#"{"job_id": "7.vm", "address": "localhost", "engine_file": "/e.json"}"#) != nil)
        #expect(try report(#"{"job_id": "7.vm", "address": "::1", "engine_file": "/e.json"}"#) != nil)
        for bad in [
            #"{"job_id": "8.vm", "address": "127.0.0.1", "engine_file": "/e.json"}"#,
            #"{"job_id": "7.vm", "address": "", "engine_file": "/e.json"}"#,
            #"{"job_id": "7.vm", "address": "0.0.0.0", "engine_file": "/e.json"}"#,
            #"{"job_id": "7.vm", "address": "no-such-host.invalid", "engine_file": "/e.json"}"#,
            #"{"job_id": "7.vm", "address": "127.0.0.1", "engine_file": "e.json"}"#,
            #"{"job_id": "7.vm", "address": "127.0.0.1""#,
        ] {
            #expect(throws: ControllerReport.Invalid.self, "\(bad)") { try report(bad) }
        }
    }
}
