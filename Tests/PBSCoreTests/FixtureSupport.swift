#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PBSCore
import Testing

/// Reads fixtures next to this file and builds expected values the way the parser must compute them.
enum Fixture {
    static let directory: String = {
        let file = "\(#filePath)"
        let slash = file.lastIndex(of: "/")!
        return String(file[..<slash]) + "/Fixtures"
    }()

    /// The bytes of `Fixtures/<name>`.
    static func bytes(_ name: String) throws -> [UInt8] {
        let path = directory + "/" + name
        guard let handle = fopen(path, "rb") else {
            throw FixtureError(message: "cannot open \(path)")
        }
        defer { fclose(handle) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = fread(&chunk, 1, chunk.count, handle)
            if got == 0 { break }
            result.append(contentsOf: chunk[0..<got])
        }
        return result
    }

    /// The stdout section of a capture in `openpbs-23.06-local/` (after `----- stdout (N bytes) -----`).
    static func capturedStdout(_ name: String) throws -> [UInt8] {
        let bytes = try bytes("openpbs-23.06-local/" + name)
        let marker = Array("----- stdout (".utf8)
        guard let start = find(marker, in: bytes) else { throw FixtureError(message: "no stdout in \(name)") }
        var index = start + marker.count
        var length = 0
        while bytes[index] >= 0x30, bytes[index] <= 0x39 {
            length = length * 10 + Int(bytes[index] - 0x30)
            index += 1
        }
        let newline = bytes[index...].firstIndex(of: 0x0A)! + 1
        return Array(bytes[newline..<(newline + length)])
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int = 0) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = from
        while index <= haystack.count - needle.count {
            if haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    /// Parses a fixture file and fails the test with the parser's message if it throws.
    static func parse(_ name: String, _ format: QstatFormat) throws -> [PBSJob] {
        try QstatParser.parse(bytes(name), format: format)
    }

    static func parseCaptured(_ name: String, _ format: QstatFormat) throws -> [PBSJob] {
        try QstatParser.parse(capturedStdout(name), format: format)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Local-time stamp → epoch with the C library, as the spec says the parser must do it.
func localEpoch(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Int {
    var parts = tm()
    parts.tm_year = Int32(year - 1900)
    parts.tm_mon = Int32(month - 1)
    parts.tm_mday = Int32(day)
    parts.tm_hour = Int32(hour)
    parts.tm_min = Int32(minute)
    parts.tm_sec = Int32(second)
    parts.tm_isdst = -1
    return Int(mktime(&parts))
}

extension Array where Element == PBSJob {
    func job(_ id: String) throws -> PBSJob {
        try #require(first { $0.id == id }, "no job \(id) among \(map(\.id))")
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
