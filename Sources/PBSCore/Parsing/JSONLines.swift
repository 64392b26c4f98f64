extension PBSJob {
    /// Appends this job as one JSON object and a newline (keys in a fixed order, variables sorted by name,
    /// absent values as `null`).
    public func appendJSONLine(to output: inout [UInt8]) {
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
        let names = variables.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for (index, name) in names.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(name)
            writer.raw(":")
            writer.string(variables[name])
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

    mutating func string(_ value: String?) {
        guard var value else {
            raw("null")
            return
        }
        value.withUTF8 { bytes in
            output.append(0x22)
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
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
        do {
            return try QstatParser.parse(bytes, format: chosen).jsonLines()
        } catch {
            throw .invalid(error)
        }
    }

    private static func excerpt(_ bytes: [UInt8]) -> String {
        var start = 0
        while start < bytes.count, ByteInput.isSpace(bytes[start]) { start += 1 }
        let error = bytes.withUnsafeBufferPointer { buffer in
            ByteInput(base: buffer.baseAddress!, count: buffer.count, format: .pbsText).error("", at: start)
        }
        return error.excerpt
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
