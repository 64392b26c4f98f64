import Glibc
import POSIXSupport
import TestSupport
import Testing

@Suite struct FileIOTests {
    @Test func readsWholeFilesAndNilForMissingOnes() throws {
        let dir = try TemporaryDirectory()
        let big = (0..<200_000).map { UInt8($0 % 251) }
        #expect(try FileIO.read(try dir.write("big", big)) == big, "more than one 64 KiB chunk")
        #expect(try FileIO.read(try dir.write("empty", [])) == [])
        #expect(try FileIO.read(dir.path + "/missing") == nil)
    }

    @Test func readErrorsNameThePathTheStepAndErrno() throws {
        let dir = try TemporaryDirectory()
        let error = #expect(throws: FileError.self) { try FileIO.read(dir.path) }
        #expect(error?.description == "\(dir.path): read failed: Is a directory")
        #expect(error?.reason == "Is a directory")
        let file = try dir.write("plain", [1])
        let below = #expect(throws: FileError.self) { try FileIO.read(file + "/below") }
        #expect(below?.description == "\(file)/below: open for reading failed: Not a directory")
    }

    @Test func appendCreatesOwnerOnlyFilesAndAppends() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/events.log"
        #expect(try FileIO.size(path) == nil)
        try FileIO.append(Array("one\n".utf8), to: path)
        try FileIO.append(Array("two\n".utf8), to: path)
        #expect(try FileIO.read(path) == Array("one\ntwo\n".utf8))
        #expect(try FileIO.size(path) == 8)
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(throws: FileError.self) { try FileIO.append([1], to: dir.path + "/no/such/dir/file") }
    }

    @Test func renameReplacesTheTarget() throws {
        let dir = try TemporaryDirectory()
        let old = try dir.write("old", Array("new content".utf8))
        let target = try dir.write("target", Array("old content".utf8))
        try FileIO.rename(old, to: target)
        #expect(try FileIO.read(target) == Array("new content".utf8))
        #expect(try FileIO.read(old) == nil)
        let error = #expect(throws: FileError.self) { try FileIO.rename(old, to: target) }
        #expect(error?.step == "rename")
    }

    @Test func makeDirectoriesCreatesParentsOwnerOnly() throws {
        let dir = try TemporaryDirectory()
        try FileIO.makeDirectories(dir.path + "/a/b/c")
        var info = stat()
        #expect(stat(dir.path + "/a/b/c", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        try FileIO.makeDirectories(dir.path + "/a/b/c")
        let file = try dir.write("file", [])
        #expect(throws: FileError.self) { try FileIO.makeDirectories(file + "/sub") }
    }

    @Test func pathParts() {
        #expect(FileIO.parent(of: "/a/b/c.json") == "/a/b")
        #expect(FileIO.parent(of: "/c.json") == "/")
        #expect(FileIO.parent(of: "c.json") == ".")
        #expect(FileIO.basename(of: "/a/b/c.json") == "c.json")
        #expect(FileIO.basename(of: "c.json") == "c.json")
    }
}
