#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PBSJob {
    /// Appends this job as one JSON object and a newline (keys in a fixed order, variables sorted by name,
    /// absent values as `null`).
    public func appendJSONLine(to output: inout [UInt8]) {
        let buffer = OutputBuffer(capacity: 2048)
        write(to: buffer, variables: nil)
        buffer.withBytes { output.append(contentsOf: $0) }
    }

    /// Writes the JSON line; `arena` (when given) replaces `variables`, so the streaming path never builds
    /// the dictionary.
    func write(to buffer: OutputBuffer, variables arena: VariableArena?) {
        let writer = JSONLineWriter(output: buffer)
        writer.raw("{\"id\":")
        writer.string(id)
        writer.raw(",\"name\":")
        writer.string(name)
        writer.raw(",\"owner\":")
        writer.string(owner)
        writer.raw(",\"queue\":")
        writer.string(queue)
        writer.raw(",\"state\":")
        writer.string(state.rawValue)
        writer.raw(",\"rawState\":")
        writer.string(rawState)
        writer.raw(",\"substate\":")
        writer.integer(substate)
        writer.raw(",\"exitStatus\":")
        writer.integer(exitStatus)
        writer.raw(",\"execHosts\":[")
        for (index, host) in execHosts.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(host)
        }
        writer.raw("],\"walltimeRequested\":")
        writer.integer(walltimeRequested)
        writer.raw(",\"walltimeUsed\":")
        writer.integer(walltimeUsed)
        writer.raw(",\"submitTime\":")
        writer.integer(submitTime)
        writer.raw(",\"startTime\":")
        writer.integer(startTime)
        writer.raw(",\"endTime\":")
        writer.integer(endTime)
        writer.raw(",\"comment\":")
        writer.string(comment)
        writer.raw(",\"variables\":{")
        var first = true
        if let arena {
            arena.forEachSorted { name, value in
                if !first { writer.raw(",") }
                first = false
                writer.bytes(name)
                writer.raw(":")
                writer.bytes(value)
            }
        } else {
            for name in variables.keys.sorted() {
                if !first { writer.raw(",") }
                first = false
                writer.string(name)
                writer.raw(":")
                writer.string(variables[name])
            }
        }
        writer.raw("},\"arrayParent\":")
        writer.string(arrayParent)
        writer.raw(isArrayParent ? ",\"isArrayParent\":true" : ",\"isArrayParent\":false")
        writer.raw(",\"arrayIndex\":")
        writer.integer(arrayIndex)
        writer.raw("}\n")
    }
}

extension Array where Element == PBSJob {
    /// All jobs as JSON lines (see `PBSJob.appendJSONLine(to:)`).
    public func jsonLines() -> [UInt8] {
        let buffer = OutputBuffer(capacity: count * 1024 + 64)
        for job in self { job.write(to: buffer, variables: nil) }
        return buffer.withBytes { [UInt8]($0) }
    }
}

/// A growable byte buffer: appends are a capacity check and a memcpy. Large buffers (a whole listing's
/// output) are mapped with transparent huge pages where the kernel offers them, which saves thousands of
/// page faults on a 10 MB output.
final class OutputBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    private var mapped: Bool
    private static let hugePage = 2 << 20

    init(capacity: Int) {
        (base, self.capacity, mapped) = Self.allocate(max(capacity, 64))
    }

    deinit {
        Self.release(base, capacity: capacity, mapped: mapped)
    }

    private static func allocate(_ capacity: Int) -> (UnsafeMutablePointer<UInt8>, Int, Bool) {
        if capacity >= 2 * hugePage {
            let size = (capacity + hugePage - 1) / hugePage * hugePage
            if let memory = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
               memory != MAP_FAILED
            {
                _ = madvise(memory, size, MADV_HUGEPAGE)
                return (memory.assumingMemoryBound(to: UInt8.self), size, true)
            }
        }
        return (.allocate(capacity: capacity), capacity, false)
    }

    private static func release(_ base: UnsafeMutablePointer<UInt8>, capacity: Int, mapped: Bool) {
        if mapped {
            munmap(base, capacity)
        } else {
            base.deallocate()
        }
    }

    @inline(__always)
    func append(_ bytes: UnsafePointer<UInt8>, count length: Int) {
        if count + length > capacity { grow(to: count + length) }
        (base + count).update(from: bytes, count: length)
        count += length
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    private func grow(to minimum: Int) {
        let (newBase, newCapacity, newMapped) = Self.allocate(max(minimum, capacity * 2))
        newBase.update(from: base, count: count)
        Self.release(base, capacity: capacity, mapped: mapped)
        (base, capacity, mapped) = (newBase, newCapacity, newMapped)
    }

    /// Empties the buffer, keeping its memory.
    func removeAll() {
        count = 0
    }

    func withBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        try body(UnsafeBufferPointer(start: base, count: count))
    }
}

/// Writes JSON text into an `OutputBuffer`.
struct JSONLineWriter {
    let output: OutputBuffer

    @inline(__always)
    func raw(_ text: StaticString) {
        output.append(text.utf8Start, count: text.utf8CodeUnitCount)
    }

    func integer(_ value: Int?) {
        guard let value else {
            raw("null")
            return
        }
        if value < 0 { output.append(0x2D) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            } while magnitude > 0
            output.append(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self) + (20 - count), count: count)
        }
    }

    /// True when a word holds a byte < 0x20, `"` or `\\` (SWAR: "has a byte less than n" tests).
    @inline(__always)
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        return (control | zeroQuote | zeroBackslash) & highs != 0
    }

    func string(_ value: String?) {
        guard var value else {
            raw("null")
            return
        }
        value.withUTF8 { bytes($0) }
    }

    /// Writes UTF-8 bytes as a JSON string.
    func bytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        do {
            output.append(0x22)
            var runStart = 0
            var index = 0
            let count = bytes.count
            let words = UnsafeRawPointer(bytes.baseAddress)
            while index < count {
                if let words, index + 8 <= count {
                    // Eight bytes at a time: skip words with no control character, quote or backslash.
                    let word = words.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if !Self.needsEscape(word) {
                        index += 8
                        continue
                    }
                }
                let byte = bytes[index]
                index += 1
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                let escapeAt = index - 1
                output.append(bytes.baseAddress! + runStart, count: escapeAt - runStart)
                runStart = index
                switch byte {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                default:
                    raw("\\u00")
                    let digits: StaticString = "0123456789abcdef"
                    output.append(digits.utf8Start[Int(byte >> 4)])
                    output.append(digits.utf8Start[Int(byte & 0x0F)])
                }
            }
            if let start = bytes.baseAddress { output.append(start + runStart, count: bytes.count - runStart) }
            output.append(0x22)
        }
    }
}

/// What `clusterd inspect-qstat` does, minus the I/O: sniff, parse, print JSON lines.
public enum QstatInspection {
    /// Parses `bytes` in `format` (sniffed when nil) and returns one JSON line per job.
    ///
    /// When sniffing, blank input counts as an empty `pbs-text` listing (zero jobs): `qstat -f` prints
    /// nothing when no job matches, while the JSON envelope would have been recognised.
    public static func run(_ bytes: [UInt8], format: QstatFormat?) throws(QstatInspectionError) -> [UInt8] {
        let result: Result<[UInt8], QstatInspectionError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(QstatInspectionError) {
                return .success(try run(buffer, format: format))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// `run` over bytes that live elsewhere, e.g. a memory-mapped file.
    public static func run(
        _ bytes: UnsafeBufferPointer<UInt8>, format: QstatFormat?
    ) throws(QstatInspectionError) -> [UInt8] {
        var result: [UInt8] = []
        try run(bytes, format: format) { result.append(contentsOf: $0) }
        return result
    }

    /// Parses `bytes` and hands the JSON lines to `output` in pieces of about 1 MiB (whole lines), from one
    /// reused buffer: the path of `clusterd inspect-qstat`. On invalid input the lines of the jobs before the
    /// error may already have been handed out; then it throws.
    public static func run(
        _ bytes: UnsafeBufferPointer<UInt8>, format: QstatFormat?,
        output: (UnsafeBufferPointer<UInt8>) -> Void
    ) throws(QstatInspectionError) {
        let chosen: QstatFormat
        if let format {
            chosen = format
        } else if let sniffed = QstatParser.sniff(bytes) {
            chosen = sniffed
        } else if bytes.allSatisfy({ ByteInput.isSpace($0) }) {
            chosen = .pbsText
        } else {
            throw .unrecognized(excerpt: excerpt(bytes))
        }
        var sink = JSONLinesSink()
        sink.output = OutputBuffer(capacity: min(bytes.count / 2, JSONLinesSink.flushThreshold) + 64 * 1024)
        let failure = withoutActuallyEscaping(output) { output -> QstatParseError? in
            sink.flush = output
            defer { sink.flush = nil }
            do throws(QstatParseError) {
                try QstatParser.parse(bytes, format: chosen, into: &sink)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw .invalid(failure) }
        sink.output.withBytes(output)
    }

    private static func excerpt(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var start = 0
        while start < bytes.count, ByteInput.isSpace(bytes[start]) { start += 1 }
        return ByteInput(base: bytes.baseAddress!, count: bytes.count, format: .pbsText).excerpt(around: start)
    }
}
/// Why `QstatInspection.run` produced no jobs.
public enum QstatInspectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `--dialect auto` could not tell the format.
    case unrecognized(excerpt: String)
    /// The input is not valid in the chosen format.
    case invalid(QstatParseError)

    public var description: String {
        switch self {
        case let .unrecognized(excerpt):
            "cannot tell the qstat format (expected '{', '<' or 'Job Id:'); input starts with: \(excerpt)"
        case let .invalid(error):
            error.description
        }
    }
}
