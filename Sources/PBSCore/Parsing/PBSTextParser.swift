/// Scans `qstat -f` text: OpenPBS/PBS Pro/Torque (`Job Id: <id>`, `    key = value`, continuation lines
/// that start with a TAB or 8 spaces and are appended as they are) and the Slurm wrapper (`Job Id:<TAB><id>`,
/// `<TAB>key = value`, no wrapping).
struct PBSTextParser<Sink: JobSink> {
    private let input: ByteInput
    private var times = PBSTimeConverter()
    private(set) var sink: Sink
    /// The previous job's variable storage, reused by the next job.
    private var spare = VariableArena()
    private var current: JobRecord?
    /// The attribute whose value the next continuation line extends (nil: an ignored attribute).
    private var pending: JobAttribute?
    /// True once the block has an attribute line, so a continuation has something to extend.
    private var hasAttribute = false
    private var valueStart = 0
    private var valueEnd = 0
    /// Joined value of a wrapped, kept attribute.
    private var joined: [UInt8] = []
    private var isJoined = false

    init(input: ByteInput, sink: Sink) {
        self.input = input
        self.sink = sink
        joined.reserveCapacity(4096)
    }

    mutating func parse() throws(QstatParseError) {
        if input.isBlank { return }
        let count = input.count
        if input[count - 1] != 0x0A {
            var lastLine = count
            while lastLine > 0, input[lastLine - 1] != 0x0A { lastLine -= 1 }
            throw input.error("last line has no newline (output cut short?)", at: lastLine)
        }
        var lineStart = 0
        while lineStart < count {
            let newline = input.find(0x0A, from: lineStart, to: count) ?? count
            var lineEnd = newline
            if lineEnd > lineStart, input[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            try line(lineStart, lineEnd)
            lineStart = newline + 1
        }
        try finishJob()
    }

    private mutating func line(_ start: Int, _ end: Int) throws(QstatParseError) {
        if start == end {
            try finishJob()
            return
        }
        let first = input[start]
        if first == 0x4A, input.matches("Job Id:", at: start) {
            try finishJob()
            try header(start, end)
            return
        }
        guard current != nil else {
            if first == 0x20 || first == 0x09, isBlankLine(start, end) { return }
            throw input.error("expected 'Job Id:' at the start of a job", at: start)
        }
        if first == 0x09 {
            if current?.flavour == .slurmWrapper {
                try attribute(start + 1, end)
            } else {
                try continuation(start + 1, end)
            }
            return
        }
        if first == 0x20 {
            var spaces = 1
            while spaces < 8, start + spaces < end, input[start + spaces] == 0x20 { spaces += 1 }
            if spaces == 8 {
                try continuation(start + 8, end)
            } else if start + spaces == end {
                try finishJob()  // a line of blanks separates jobs like an empty one
            } else if spaces == 4, input[start + 4] != 0x09 {
                try attribute(start + 4, end)
            } else {
                throw input.error("indentation is neither an attribute (4 spaces) nor a continuation", at: start)
            }
            return
        }
        throw input.error("line is neither an attribute nor a continuation", at: start)
    }

    private func isBlankLine(_ start: Int, _ end: Int) -> Bool {
        for index in start..<end where !ByteInput.isSpace(input[index]) { return false }
        return true
    }

    private mutating func header(_ start: Int, _ end: Int) throws(QstatParseError) {
        var index = start + 7
        let slurm = index < end && input[index] == 0x09
        while index < end, input[index] == 0x20 || input[index] == 0x09 { index += 1 }
        var idEnd = end
        while idEnd > index, input[idEnd - 1] == 0x20 || input[idEnd - 1] == 0x09 { idEnd -= 1 }
        guard idEnd > index else { throw input.error("'Job Id:' without an id", at: start) }
        current = JobRecord(
            id: input.string(index, idEnd), flavour: slurm ? .slurmWrapper : .pbs, offset: start, recycling: &spare
        )
        hasAttribute = false
        pending = nil
    }

    private mutating func attribute(_ start: Int, _ end: Int) throws(QstatParseError) {
        try commitPending()
        // The key runs to the first blank; then " = " (or " =" at the end of the line: an empty value).
        var keyEnd = start
        while keyEnd < end, input[keyEnd] != 0x20 { keyEnd += 1 }
        guard keyEnd > start, keyEnd + 1 < end, input[keyEnd + 1] == 0x3D else {
            throw input.error("attribute line without ' = '", at: start)
        }
        var value = keyEnd + 2
        if value < end {
            guard input[value] == 0x20 else { throw input.error("attribute line without ' = '", at: start) }
            value += 1
        }
        hasAttribute = true
        pending = JobAttribute.classify(ByteSlice(start: input.base + start, count: keyEnd - start))
        valueStart = value
        valueEnd = end
        isJoined = false
    }

    private mutating func continuation(_ start: Int, _ end: Int) throws(QstatParseError) {
        guard hasAttribute else {
            throw input.error("continuation line before any attribute", at: start - 1)
        }
        guard pending != nil else { return }
        if !isJoined {
            joined.removeAll(keepingCapacity: true)
            joined.append(contentsOf: UnsafeBufferPointer(start: input.base + valueStart, count: valueEnd - valueStart))
            isJoined = true
        }
        joined.append(contentsOf: UnsafeBufferPointer(start: input.base + start, count: end - start))
    }

    private mutating func commitPending() throws(QstatParseError) {
        guard let attribute = pending else { return }
        pending = nil
        if isJoined {
            let text = joined
            let fallback = input.base
            text.withUnsafeBufferPointer { buffer in
                current?.set(attribute, ByteSlice(buffer, orEmptyAt: fallback), times: &times)
            }
        } else {
            let slice = ByteSlice(start: input.base + valueStart, count: valueEnd - valueStart)
            current?.set(attribute, slice, times: &times)
        }
    }

    private mutating func finishJob() throws(QstatParseError) {
        try commitPending()
        hasAttribute = false
        guard var record = current else { return }
        current = nil
        try sink.accept(record, input: input)
        swap(&spare, &record.variables)
    }
}
