#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only view of the input bytes shared by the three scanners: error construction and checks that
/// apply to every format (binary input, blank input).
struct ByteInput {
    let base: UnsafePointer<UInt8>
    let count: Int
    let format: QstatFormat

    subscript(_ index: Int) -> UInt8 {
        @inline(__always) get { base[index] }
    }

    /// Builds an error at `offset`; the line number and excerpt are computed here, only on failure.
    func error(_ reason: String, at offset: Int) -> QstatParseError {
        let offset = max(0, min(offset, count))
        var line = 1
        var position = 0
        while position < offset {
            guard let found = memchr(base + position, 0x0A, offset - position) else { break }
            let newline = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
            line += 1
            position = newline + 1
        }
        return QstatParseError(
            format: format, offset: offset, line: line, reason: reason, excerpt: excerpt(around: offset)
        )
    }

    /// Up to ~60 printable characters around `offset`, within its line; other bytes are escaped.
    func excerpt(around offset: Int) -> String {
        var start = offset
        while start > 0, offset - start < 24, base[start - 1] != 0x0A { start -= 1 }
        var end = offset
        while end < count, end - start < 64, base[end] != 0x0A { end += 1 }
        if end == offset, end < count, end - start < 64 { end += 1 }  // show the offending newline itself
        var text = ""
        for index in start..<end {
            let byte = base[index]
            switch byte {
            case 0x09: text += "\\t"
            case 0x0A: text += "\\n"
            case 0x0D: text += "\\r"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default: text += "\\x" + hex(byte)
            }
        }
        if end >= count, offset >= count { text += "<end of input>" }
        return text
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// True when the input is empty or holds only spaces, tabs and line breaks.
    var isBlank: Bool {
        for index in 0..<count where !Self.isSpace(base[index]) { return false }
        return true
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
    }

    /// Rejects NUL bytes and invalid UTF-8 with the offset of the first bad byte. ASCII runs are checked
    /// eight bytes at a time, so a clean 20 MB listing costs a few milliseconds.
    func checkText() throws(QstatParseError) {
        var index = 0
        let raw = UnsafeRawPointer(base)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while index < count {
            // 32, then 8 bytes per step while they are plain ASCII without NUL ("has zero byte" tests).
            if index + 32 <= count {
                let a = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let b = raw.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                let c = raw.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                let d = raw.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
                let zeros = ((a &- ones) & ~a) | ((b &- ones) & ~b) | ((c &- ones) & ~c) | ((d &- ones) & ~d)
                if (a | b | c | d | zeros) & highs == 0 {
                    index += 32
                    continue
                }
            }
            if index + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if (word | ((word &- ones) & ~word)) & highs == 0 {
                    index += 8
                    continue
                }
            }
            let byte = base[index]
            if byte == 0 {
                throw error("binary input (NUL byte)", at: index)
            }
            if byte < 0x80 {
                index += 1
                continue
            }
            let length = utf8SequenceLength(at: index)
            if length == 0 {
                throw error("binary input (invalid UTF-8)", at: index)
            }
            index += length
        }
    }

    /// Length of the valid UTF-8 sequence starting at `index` (lead byte >= 0x80), or 0 when invalid.
    private func utf8SequenceLength(at index: Int) -> Int {
        let lead = base[index]
        let length: Int
        let minimum: UInt32
        var scalar: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80; scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; minimum = 0x800; scalar = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; minimum = 0x10000; scalar = UInt32(lead & 0x07)
        default: return 0
        }
        guard index + length <= count else { return 0 }
        for offset in 1..<length {
            let byte = base[index + offset]
            guard byte & 0xC0 == 0x80 else { return 0 }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        if scalar < minimum || scalar > 0x10FFFF || (0xD800...0xDFFF).contains(scalar) { return 0 }
        return length
    }

    /// The index of the next `byte` at or after `from`, or nil.
    @inline(__always)
    func find(_ byte: UInt8, from: Int, to end: Int) -> Int? {
        guard from < end, let found = memchr(base + from, Int32(byte), end - from) else { return nil }
        return UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
    }

    /// Makes a String from bytes already known to be valid UTF-8.
    @inline(__always)
    func string(_ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: base + start, count: end - start), as: UTF8.self)
    }

    /// True when the bytes at `offset` equal `literal`.
    @inline(__always)
    func matches(_ literal: StaticString, at offset: Int) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard offset + length <= count else { return false }
        let other = literal.utf8Start
        for index in 0..<length where base[offset + index] != other[index] { return false }
        return true
    }
}

/// A byte range of transient storage (the input or a scratch buffer), valid only during one call.
struct ByteSlice {
    let start: UnsafePointer<UInt8>
    let count: Int

    /// Byte-by-byte: keys are short and most mismatches show in the first byte, where a call to memcmp
    /// would cost more than the comparison.
    @inline(__always)
    func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        let other = literal.utf8Start
        for index in 0..<count where start[index] != other[index] { return false }
        return true
    }

    @inline(__always)
    var string: String {
        String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    }

    subscript(_ index: Int) -> UInt8 {
        @inline(__always) get { start[index] }
    }

    /// A slice over a buffer that may be empty (an empty Array may have no base address).
    @inline(__always)
    init(_ buffer: UnsafeBufferPointer<UInt8>, orEmptyAt fallback: UnsafePointer<UInt8>) {
        self.init(start: buffer.baseAddress ?? fallback, count: buffer.count)
    }

    @inline(__always)
    init(start: UnsafePointer<UInt8>, count: Int) {
        self.start = start
        self.count = count
    }

    /// True when the slice holds a backslash (an escape to undo).
    var containsBackslash: Bool {
        count > 0 && memchr(start, 0x5C, count) != nil
    }

    /// Parses an optionally signed decimal integer that fills the whole slice (surrounding blanks allowed).
    var integer: Int? {
        var index = 0
        var end = count
        while index < end, start[index] == 0x20 || start[index] == 0x09 { index += 1 }
        while end > index, start[end - 1] == 0x20 || start[end - 1] == 0x09 { end -= 1 }
        guard index < end else { return nil }
        var negative = false
        if start[index] == 0x2D || start[index] == 0x2B {
            negative = start[index] == 0x2D
            index += 1
        }
        guard index < end, end - index <= 18 else { return nil }
        var value = 0
        while index < end {
            let digit = Int(start[index]) &- 0x30
            guard digit >= 0, digit <= 9 else { return nil }
            value = value &* 10 &+ digit
            index += 1
        }
        return negative ? -value : value
    }
}
