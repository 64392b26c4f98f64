#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One job's `Variable_List`, decoded into one byte buffer: names and values are spans, so a listing of
/// 10,000 jobs × 15 variables needs no String until someone asks for a dictionary.
struct VariableArena {
    private(set) var bytes: [UInt8] = []
    private(set) var spans: [Span] = []
    private var pendingName: (start: Int, end: Int)?

    struct Span {
        var nameStart: Int
        var nameEnd: Int
        var valueStart: Int
        var valueEnd: Int
    }

    var isEmpty: Bool { spans.isEmpty }

    /// Empties the arena and keeps its capacity.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        pendingName = nil
    }

    /// Starts a variable; `setValue` completes it.
    mutating func setName(_ name: ByteSlice) {
        let start = bytes.count
        append(name)
        pendingName = (start, bytes.count)
    }

    /// Completes the variable begun by `setName`, undoing PBS's `\,` and `\\` escapes when asked.
    mutating func setValue(_ value: ByteSlice, pbsUnescape: Bool) {
        guard let name = pendingName else { return }
        pendingName = nil
        let start = bytes.count
        if pbsUnescape {
            var index = 0
            while index < value.count {
                let byte = value[index]
                if byte == 0x5C, index + 1 < value.count, value[index + 1] == 0x2C || value[index + 1] == 0x5C {
                    bytes.append(value[index + 1])
                    index += 2
                } else {
                    bytes.append(byte)
                    index += 1
                }
            }
        } else {
            append(value)
        }
        spans.append(Span(nameStart: name.start, nameEnd: name.end, valueStart: start, valueEnd: bytes.count))
    }

    private mutating func append(_ slice: ByteSlice) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: slice.start, count: slice.count))
    }

    /// `K=V,K2=V2` where a value may hold `\,` (a comma) and `\\` (a backslash); the first `=` splits.
    mutating func parseList(_ list: ByteSlice) {
        bytes.reserveCapacity(bytes.count + list.count)
        var index = 0
        let end = list.count
        while index < end {
            let itemStart = index
            var equals = -1
            var escaped = false
            while index < end {
                let byte = list[index]
                if byte == 0x2C { break }
                if byte == 0x5C {
                    escaped = true
                    index += 2
                    continue
                }
                if byte == 0x3D, equals < 0 { equals = index }
                index += 1
            }
            let itemEnd = min(index, end)
            index = itemEnd + 1
            guard itemEnd > itemStart else { continue }
            let nameEnd = equals >= 0 ? equals : itemEnd
            let valueStart = equals >= 0 ? equals + 1 : itemEnd
            setName(ByteSlice(start: list.start + itemStart, count: nameEnd - itemStart))
            setValue(ByteSlice(start: list.start + valueStart, count: itemEnd - valueStart), pbsUnescape: escaped)
        }
    }

    /// The variables as a dictionary; a name given twice keeps its last value.
    func dictionary() -> [String: String] {
        var result: [String: String] = [:]
        result.reserveCapacity(spans.count)
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for span in spans {
                let name = String(decoding: UnsafeBufferPointer(start: base + span.nameStart,
                                                                count: span.nameEnd - span.nameStart), as: UTF8.self)
                result[name] = String(decoding: UnsafeBufferPointer(start: base + span.valueStart,
                                                                    count: span.valueEnd - span.valueStart),
                                      as: UTF8.self)
            }
        }
        return result
    }

    /// Calls `body` with each (name, value) in byte order of the names; a repeated name yields its last value.
    func forEachSorted(_ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        bytes.withUnsafeBufferPointer { buffer in
            spans.withUnsafeBufferPointer { spans in
                guard let base = buffer.baseAddress, !spans.isEmpty else { return }
                // Name order, then position: an insertion sort (a job has a few dozen variables at most), on
                // the stack when it fits, without the allocations of the standard library's stable sort.
                func less(_ left: Span, _ leftIndex: Int, _ right: Span, _ rightIndex: Int) -> Bool {
                    let leftCount = left.nameEnd - left.nameStart
                    let rightCount = right.nameEnd - right.nameStart
                    let order = memcmp(base + left.nameStart, base + right.nameStart, min(leftCount, rightCount))
                    if order != 0 { return order < 0 }
                    if leftCount != rightCount { return leftCount < rightCount }
                    return leftIndex < rightIndex
                }
                func sameName(_ left: Span, _ right: Span) -> Bool {
                    let count = left.nameEnd - left.nameStart
                    return right.nameEnd - right.nameStart == count
                        && memcmp(base + left.nameStart, base + right.nameStart, count) == 0
                }
                withUnsafeTemporaryAllocation(of: Int.self, capacity: spans.count) { order in
                    for index in 0..<spans.count {
                        var position = index
                        while position > 0, less(spans[index], index, spans[order[position - 1]], order[position - 1]) {
                            order[position] = order[position - 1]
                            position -= 1
                        }
                        order[position] = index
                    }
                    for position in 0..<spans.count {
                        let span = spans[order[position]]
                        if position + 1 < spans.count, sameName(span, spans[order[position + 1]]) {
                            continue  // a later duplicate wins
                        }
                        body(UnsafeBufferPointer(start: base + span.nameStart, count: span.nameEnd - span.nameStart),
                             UnsafeBufferPointer(start: base + span.valueStart, count: span.valueEnd - span.valueStart))
                    }
                }
            }
        }
    }
}
