extension PBSJob {
    /// Appends this job as one JSON object and a newline (keys in a fixed order, variables sorted by name (String order),
    /// absent values as `null`).
    public func appendJSONLine(to output: inout [UInt8]) {
        appendJSONLine(to: &output, variables: nil)
    }

    /// `arena` (when given) replaces `variables`: the streaming path never builds the dictionary.
    func appendJSONLine(to output: inout [UInt8], variables arena: VariableArena?) {
        var writer = JSONLineWriter(output: output)
        output = []
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
        output = writer.output
    }
}

extension Array where Element == PBSJob {
    /// All jobs as JSON lines (see `PBSJob.appendJSONLine(to:)`).
    public func jsonLines() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(count * 1024)
        for job in self { job.appendJSONLine(to: &output) }
        return output
    }
}

/// Appends JSON text to a byte buffer.
private struct JSONLineWriter {
    var output: [UInt8]

    @inline(__always)
    mutating func raw(_ text: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func integer(_ value: Int?) {
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
            output.append(contentsOf: buffer[(20 - count)...])
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

    mutating func string(_ value: String?) {
        guard var value else {
            raw("null")
            return
        }
        value.withUTF8 { bytes($0) }
    }

    /// Writes UTF-8 bytes as a JSON string.
    mutating func bytes(_ bytes: UnsafeBufferPointer<UInt8>) {
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
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<escapeAt]))
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
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
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
        // About half the input in practice; untouched reserved pages cost no memory.
        sink.output.reserveCapacity(bytes.count + 4096)
        do {
            try QstatParser.parse(bytes, format: chosen, into: &sink)
        } catch {
            throw .invalid(error)
        }
        return sink.output
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
