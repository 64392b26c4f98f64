/// Scans `qstat -f -F json`: the envelope `{"timestamp", "pbs_version", "pbs_server", "Jobs": {id: {...}}}`
/// in the cJSON style of OpenPBS 23 (`"key":<TAB>value`, TAB indent) and the hand-written one of PBS Pro 19
/// (`"key":value`, 4 spaces). Only kept attributes become Strings; numbers keep their literal token.
///
/// Lenient where real printers are sloppy: numbers may have leading zeros (`007`) and strings may hold raw
/// control characters. Strict where truncation shows: every string, object and the envelope must close.
struct OpenPBSJSONParser<Sink: JobSink> {
    private let input: ByteInput
    private var position = 0
    private var times = PBSTimeConverter()
    /// Unescaped string bytes when a string holds backslash escapes.
    private var scratch: [UInt8] = []
    private static var maximumDepth: Int { 64 }

    private(set) var sink: Sink
    /// The previous job's variable storage, reused by the next job.
    private var spare = VariableArena()

    init(input: ByteInput, sink: Sink) {
        self.input = input
        self.sink = sink
        scratch.reserveCapacity(1024)
    }

    /// A scalar value: where its text lives (input or scratch) and whether it was a JSON string.
    private enum Scalar {
        case string(start: Int, end: Int, inScratch: Bool)
        case token(start: Int, end: Int)
        case composite
    }

    mutating func parse() throws(QstatParseError) {
        skipSpace()
        guard position < input.count else {
            throw input.error("no output (qstat always prints the JSON envelope)", at: position)
        }
        try expect(0x7B, "expected '{' to open the JSON envelope")
        skipSpace()
        if peek() == 0x7D {
            position += 1
        } else {
            while true {
                let key = try stringRange()
                try colon()
                if key.end - key.start == 4, input.matches("Jobs", at: key.start), !key.escaped {
                    try parseJobs()
                } else {
                    try skipValue(depth: 1)
                }
                if try endOfMembers() { break }
            }
        }
        skipSpace()
        if position < input.count {
            throw input.error("unexpected data after the JSON envelope", at: position)
        }
    }

    // MARK: Jobs

    private mutating func parseJobs() throws(QstatParseError) {
        skipSpace()
        try expect(0x7B, "expected '{' after \"Jobs\":")
        skipSpace()
        if peek() == 0x7D {
            position += 1
            return
        }
        while true {
            skipSpace()
            let jobStart = position
            let id = try string()
            try colon()
            var record = JobRecord(id: id, flavour: .pbs, offset: jobStart, recycling: &spare)
            try parseJob(&record)
            try sink.accept(record, input: input)
            swap(&spare, &record.variables)
            if try endOfMembers() { break }
        }
    }

    private mutating func parseJob(_ record: inout JobRecord) throws(QstatParseError) {
        skipSpace()
        try expect(0x7B, "expected '{' to open a job")
        skipSpace()
        if peek() == 0x7D {
            position += 1
            return
        }
        while true {
            let key = try stringRange()
            try colon()
            let attribute = key.escaped ? nil : JobAttribute.classify(slice(key.start, key.end))
            switch attribute {
            case nil:
                try skipValue(depth: 3)
            case .resourceList?, .resourcesUsed?:
                try parseResources(&record, used: attribute == .resourcesUsed)
            case .variableList?:
                try parseVariables(&record)
            case let attribute?:
                let value = try scalar(depth: 3)
                withScalar(value) { slice, parser in record.set(attribute, slice, times: &parser.times) }
            }
            if try endOfMembers() { break }
        }
    }

    /// Steps into a job attribute's nested object (`Resource_List`, `Variable_List`). False when there is
    /// nothing to read: the value was not an object (skipped) or was `{}`.
    private mutating func enterNestedObject() throws(QstatParseError) -> Bool {
        skipSpace()
        guard peek() == 0x7B else {
            try skipValue(depth: 3)
            return false
        }
        position += 1
        skipSpace()
        if peek() == 0x7D {
            position += 1
            return false
        }
        return true
    }

    private mutating func parseResources(_ record: inout JobRecord, used: Bool) throws(QstatParseError) {
        guard try enterNestedObject() else { return }
        while true {
            let key = try stringRange()
            try colon()
            if key.end - key.start == 8, input.matches("walltime", at: key.start) {
                let value = try scalar(depth: 4)
                withScalar(value) { slice, parser in
                    record.set(used ? .walltimeUsed : .walltimeRequested, slice, times: &parser.times)
                }
            } else {
                try skipValue(depth: 4)
            }
            if try endOfMembers() { break }
        }
    }

    private mutating func parseVariables(_ record: inout JobRecord) throws(QstatParseError) {
        guard try enterNestedObject() else { return }
        while true {
            let name = try stringRange()
            if name.escaped {
                try unescape(name.start, name.end)
                let decoded = scratch
                decoded.withUnsafeBufferPointer { record.variables.setName(ByteSlice($0, orEmptyAt: input.base)) }
            } else {
                record.variables.setName(slice(name.start, name.end))
            }
            try colon()
            skipSpace()
            let valueStart = position
            let value = try scalar(depth: 4)
            switch value {
            case .composite:
                // A nested value: keep its JSON text.
                record.variables.setValue(slice(valueStart, position), pbsUnescape: false)
            default:
                // `-v` values come out PBS-escaped inside the JSON escaping (`\\` for one backslash).
                withScalar(value) { slice, _ in
                    record.variables.setValue(slice, pbsUnescape: slice.containsBackslash)
                }
            }
            if try endOfMembers() { break }
        }
    }

    // MARK: Values

    /// Calls `body` with the bytes of a scalar (nothing for a composite value).
    @discardableResult
    private mutating func withScalar<T>(
        _ value: Scalar, _ body: (ByteSlice, inout Self) -> T
    ) -> T? {
        switch value {
        case .composite:
            return nil
        case let .token(start, end):
            return body(slice(start, end), &self)
        case let .string(start, end, inScratch):
            if !inScratch { return body(slice(start, end), &self) }
            let copy = scratch
            return copy.withUnsafeBufferPointer { buffer in
                body(ByteSlice(start: (buffer.baseAddress ?? input.base) + start, count: end - start), &self)
            }
        }
    }

    private mutating func scalar(depth: Int) throws(QstatParseError) -> Scalar {
        skipSpace()
        guard position < input.count else { throw truncated() }
        let byte = input[position]
        switch byte {
        case 0x22:
            let range = try stringRange()
            if range.escaped {
                try unescape(range.start, range.end)
                return .string(start: 0, end: scratch.count, inScratch: true)
            }
            return .string(start: range.start, end: range.end, inScratch: false)
        case 0x7B, 0x5B:
            try skipValue(depth: depth)
            return .composite
        default:
            let start = position
            try skipLiteral()
            return .token(start: start, end: position)
        }
    }

    private mutating func skipValue(depth: Int) throws(QstatParseError) {
        guard depth < Self.maximumDepth else { throw input.error("JSON nested too deeply", at: position) }
        skipSpace()
        guard position < input.count else { throw truncated() }
        switch input[position] {
        case 0x22:
            _ = try stringRange()
        case 0x7B:
            position += 1
            skipSpace()
            if peek() == 0x7D {
                position += 1
                return
            }
            while true {
                _ = try stringRange()
                try colon()
                try skipValue(depth: depth + 1)
                if try endOfMembers() { break }
            }
        case 0x5B:
            position += 1
            skipSpace()
            if peek() == 0x5D {
                position += 1
                return
            }
            while true {
                try skipValue(depth: depth + 1)
                skipSpace()
                guard position < input.count else { throw truncated() }
                if input[position] == 0x2C {
                    position += 1
                    continue
                }
                if input[position] == 0x5D {
                    position += 1
                    break
                }
                throw input.error("expected ',' or ']' in a JSON array", at: position)
            }
        default:
            try skipLiteral()
        }
    }

    /// A number (kept as printed, leading zeros allowed), `true`, `false` or `null`.
    private mutating func skipLiteral() throws(QstatParseError) {
        let start = position
        let byte = input[position]
        if byte == 0x74, input.matches("true", at: position) {
            position += 4
        } else if byte == 0x66, input.matches("false", at: position) {
            position += 5
        } else if byte == 0x6E, input.matches("null", at: position) {
            position += 4
        } else {
            var digits = 0
            while position < input.count {
                let next = input[position]
                if next >= 0x30, next <= 0x39 {
                    digits += 1
                } else if !(next == 0x2D || next == 0x2B || next == 0x2E || next == 0x65 || next == 0x45) {
                    break
                }
                position += 1
            }
            guard digits > 0 else {
                position = start
                throw input.error("expected a JSON value", at: start)
            }
        }
        if position < input.count {
            let next = input[position]
            guard ByteInput.isSpace(next) || next == 0x2C || next == 0x7D || next == 0x5D else {
                throw input.error("expected a JSON value", at: start)
            }
        }
    }

    /// Scans a string at `position` (after blanks); returns the range of its contents.
    private mutating func stringRange() throws(QstatParseError) -> (start: Int, end: Int, escaped: Bool) {
        skipSpace()
        guard position < input.count else { throw truncated() }
        guard input[position] == 0x22 else { throw input.error("expected '\"'", at: position) }
        let start = position + 1
        let count = input.count
        let base = input.base
        // Eight bytes at a time: the lowest flagged byte of the SWAR test is exactly the first quote or
        // backslash (borrows only flag bytes above a true match). Long values go on with memchr.
        var probe = start
        let probeEnd = min(count, start + 64)
        let raw = UnsafeRawPointer(base)
        var hit = -1
        while probe + 8 <= probeEnd {
            let word = raw.loadUnaligned(fromByteOffset: probe, as: UInt64.self)
            let quotes = word ^ 0x2222_2222_2222_2222
            let slashes = word ^ 0x5C5C_5C5C_5C5C_5C5C
            let ones: UInt64 = 0x0101_0101_0101_0101
            let found = ((quotes &- ones) & ~quotes | (slashes &- ones) & ~slashes) & 0x8080_8080_8080_8080
            if found != 0 {
                hit = probe + found.trailingZeroBitCount >> 3
                break
            }
            probe += 8
        }
        if hit < 0 {
            while probe < probeEnd {
                if base[probe] == 0x22 || base[probe] == 0x5C {
                    hit = probe
                    break
                }
                probe += 1
            }
        }
        if hit >= 0 {
            if base[hit] == 0x22 {
                position = hit + 1
                return (start, hit, false)
            }
        } else {
            guard let quote = input.find(0x22, from: probeEnd, to: count) else {
                throw input.error("unterminated JSON string (output cut short?)", at: start - 1)
            }
            if input.find(0x5C, from: probeEnd, to: quote) == nil {
                position = quote + 1
                return (start, quote, false)
            }
        }
        var index = start
        while index < count {
            let byte = base[index]
            if byte == 0x22 {
                position = index + 1
                return (start, index, true)
            }
            index += byte == 0x5C ? 2 : 1
        }
        throw input.error("unterminated JSON string (output cut short?)", at: start - 1)
    }

    /// A string's decoded value as a String.
    private mutating func string() throws(QstatParseError) -> String {
        let range = try stringRange()
        if !range.escaped { return input.string(range.start, range.end) }
        try unescape(range.start, range.end)
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Decodes JSON escapes of `start..<end` into `scratch`.
    private mutating func unescape(_ start: Int, _ end: Int) throws(QstatParseError) {
        scratch.removeAll(keepingCapacity: true)
        var index = start
        while index < end {
            let byte = input[index]
            guard byte == 0x5C else {
                scratch.append(byte)
                index += 1
                continue
            }
            guard index + 1 < end else { throw input.error("bad escape in a JSON string", at: index) }
            let code = input[index + 1]
            index += 2
            switch code {
            case 0x22, 0x5C, 0x2F: scratch.append(code)
            case 0x62: scratch.append(0x08)
            case 0x66: scratch.append(0x0C)
            case 0x6E: scratch.append(0x0A)
            case 0x72: scratch.append(0x0D)
            case 0x74: scratch.append(0x09)
            case 0x75:
                guard var scalar = hex4(index, end) else {
                    throw input.error("bad \\u escape in a JSON string", at: index - 2)
                }
                index += 4
                if scalar >= 0xD800, scalar < 0xDC00, index + 6 <= end, input[index] == 0x5C,
                   input[index + 1] == 0x75, let low = hex4(index + 2, end), low >= 0xDC00, low < 0xE000
                {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                scratch.append(contentsOf: String(Character(unicode)).utf8)
            default:
                throw input.error("bad escape in a JSON string", at: index - 2)
            }
        }
    }

    private func hex4(_ index: Int, _ end: Int) -> UInt32? {
        guard index + 4 <= end else { return nil }
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = input[index + offset]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x37)
            case 0x61...0x66: digit = UInt32(byte - 0x57)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    // MARK: Punctuation

    @inline(__always)
    private mutating func skipSpace() {
        while position < input.count, ByteInput.isSpace(input[position]) { position += 1 }
    }

    @inline(__always)
    private func peek() -> UInt8? {
        position < input.count ? input[position] : nil
    }

    @inline(__always)
    private func slice(_ start: Int, _ end: Int) -> ByteSlice {
        ByteSlice(start: input.base + start, count: end - start)
    }

    private mutating func expect(_ byte: UInt8, _ reason: String) throws(QstatParseError) {
        guard position < input.count else { throw truncated() }
        guard input[position] == byte else { throw input.error(reason, at: position) }
        position += 1
    }

    private mutating func colon() throws(QstatParseError) {
        skipSpace()
        try expect(0x3A, "expected ':' after a JSON key")
    }

    /// After a member: true at `}`, false at `,` (then a key must follow).
    private mutating func endOfMembers() throws(QstatParseError) -> Bool {
        skipSpace()
        guard position < input.count else { throw truncated() }
        let byte = input[position]
        position += 1
        if byte == 0x2C { return false }
        if byte == 0x7D { return true }
        position -= 1
        throw input.error("expected ',' or '}' in a JSON object", at: position)
    }

    private func truncated() -> QstatParseError {
        input.error("JSON ends before its envelope is closed (output cut short?)", at: input.count)
    }
}
