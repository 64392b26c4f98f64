/// Scans Torque `qstat -x`: `<Data><Job><Job_Id>…</Job_Id>…</Job></Data>`, with or without an
/// `<?xml?>` prolog or newlines, nested `Resource_List`/`resources_used` elements, raw multi-line text,
/// the five named entities, numeric character references and CDATA sections.
struct TorqueXMLParser<Sink: JobSink> {
    private let input: ByteInput
    private var position = 0
    private var times = PBSTimeConverter()
    private var scratch: [UInt8] = []
    private static var maximumDepth: Int { 64 }

    private(set) var sink: Sink
    /// The previous job's variable storage, reused by the next job.
    private var spare = VariableArena()

    init(input: ByteInput, sink: Sink) {
        self.input = input
        self.sink = sink
    }

    private struct Tag {
        let start: Int
        let nameStart: Int
        let nameEnd: Int
        let selfClosing: Bool
    }

    mutating func parse() throws(QstatParseError) {
        if input.matches("\u{FEFF}", at: 0) { position = 3 }
        try skipMisc()
        // Torque prints nothing at all when no job matches.
        guard position < input.count else { return }
        guard input[position] == 0x3C else { throw input.error("expected '<Data>'", at: position) }
        let root = try startTag()
        guard nameIs(root, "Data") else { throw input.error("expected '<Data>'", at: root.start) }
        if !root.selfClosing {
            while true {
                try skipBlankContent(in: root)
                if input.matches("</", at: position) {
                    try endTag(of: root)
                    break
                }
                let tag = try startTag()
                if nameIs(tag, "Job") {
                    var record = JobRecord(id: nil, flavour: .pbs, offset: tag.start, recycling: &spare)
                    if !tag.selfClosing { try parseJob(tag, &record) }
                    try sink.accept(record, input: input)
                    swap(&spare, &record.variables)
                } else if !tag.selfClosing {
                    try skipElement(tag, depth: 1)
                }
            }
        }
        try skipMisc()
        if position < input.count {
            throw input.error("unexpected data after '</Data>'", at: position)
        }
    }

    private mutating func parseJob(_ job: Tag, _ record: inout JobRecord) throws(QstatParseError) {
        while true {
            try skipBlankContent(in: job)
            if input.matches("</", at: position) {
                try endTag(of: job)
                return
            }
            let tag = try startTag()
            let attribute = JobAttribute.classify(name(of: tag))
            switch attribute {
            case nil:
                if !tag.selfClosing { try skipElement(tag, depth: 2) }
            case .resourceList?, .resourcesUsed?:
                if !tag.selfClosing { try parseResources(tag, &record, used: attribute == .resourcesUsed) }
            case let attribute?:
                try withText(of: tag) { slice, parser in record.set(attribute, slice, times: &parser.times) }
            }
        }
    }

    private mutating func parseResources(
        _ parent: Tag, _ record: inout JobRecord, used: Bool
    ) throws(QstatParseError) {
        while true {
            try skipBlankContent(in: parent)
            if input.matches("</", at: position) {
                try endTag(of: parent)
                return
            }
            let tag = try startTag()
            if nameIs(tag, "walltime") {
                try withText(of: tag) { slice, parser in
                    record.set(used ? .walltimeUsed : .walltimeRequested, slice, times: &parser.times)
                }
            } else if !tag.selfClosing {
                try skipElement(tag, depth: 3)
            }
        }
    }

    /// Reads the text of a simple element up to its end tag and hands it to `body` decoded.
    private mutating func withText(
        of tag: Tag, _ body: (ByteSlice, inout Self) -> Void
    ) throws(QstatParseError) {
        if tag.selfClosing {
            body(ByteSlice(start: input.base + tag.nameEnd, count: 0), &self)
            return
        }
        let start = position
        guard let first = input.find(0x3C, from: start, to: input.count) else { throw truncated() }
        if input.matches("</", at: first), input.find(0x26, from: start, to: first) == nil {
            // The common case: plain text, then the end tag.
            position = first
            try endTag(of: tag)
            body(ByteSlice(start: input.base + start, count: first - start), &self)
            return
        }
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard let open = input.find(0x3C, from: position, to: input.count) else { throw truncated() }
            try appendDecoded(position, open)
            position = open
            if input.matches("</", at: position) {
                try endTag(of: tag)
                let text = scratch
                text.withUnsafeBufferPointer { buffer in
                    body(ByteSlice(buffer, orEmptyAt: input.base), &self)
                }
                return
            }
            if input.matches("<![CDATA[", at: position) {
                let contentStart = position + 9
                guard let close = find("]]>", from: contentStart) else { throw truncated() }
                scratch.append(contentsOf: UnsafeBufferPointer(start: input.base + contentStart,
                                                               count: close - contentStart))
                position = close + 3
            } else if input.matches("<!--", at: position) || input.matches("<?", at: position) {
                try skipCommentOrInstruction()
            } else {
                // A child element inside a value Torque prints as text: skip it, keep the text.
                let child = try startTag()
                if !child.selfClosing { try skipElement(child, depth: 3) }
            }
        }
    }

    /// Appends `start..<end` to `scratch`, decoding entities and character references.
    private mutating func appendDecoded(_ start: Int, _ end: Int) throws(QstatParseError) {
        var index = start
        while index < end {
            let byte = input[index]
            guard byte == 0x26 else {
                scratch.append(byte)
                index += 1
                continue
            }
            guard let semicolon = input.find(0x3B, from: index, to: min(end, index + 12)) else {
                throw input.error("'&' without a complete entity", at: index)
            }
            let entity = ByteSlice(start: input.base + index + 1, count: semicolon - index - 1)
            if entity.equals("amp") {
                scratch.append(0x26)
            } else if entity.equals("lt") {
                scratch.append(0x3C)
            } else if entity.equals("gt") {
                scratch.append(0x3E)
            } else if entity.equals("quot") {
                scratch.append(0x22)
            } else if entity.equals("apos") {
                scratch.append(0x27)
            } else if entity.count >= 2, entity[0] == 0x23, let scalar = Self.characterReference(entity) {
                scratch.append(contentsOf: String(Character(scalar)).utf8)
            } else {
                throw input.error("unknown XML entity", at: index)
            }
            index = semicolon + 1
        }
    }

    /// `#65` or `#x41` → the scalar.
    private static func characterReference(_ entity: ByteSlice) -> Unicode.Scalar? {
        var value: UInt32 = 0
        let hex = entity[1] == 0x78 || entity[1] == 0x58
        var index = hex ? 2 : 1
        guard index < entity.count, entity.count <= 10 else { return nil }
        while index < entity.count {
            let byte = entity[index]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46 where hex: digit = UInt32(byte - 0x37)
            case 0x61...0x66 where hex: digit = UInt32(byte - 0x57)
            default: return nil
            }
            value = value * (hex ? 16 : 10) + digit
            index += 1
        }
        return Unicode.Scalar(value)
    }

    // MARK: Structure

    private mutating func startTag() throws(QstatParseError) -> Tag {
        let start = position
        guard position < input.count else { throw truncated() }
        guard input[position] == 0x3C else { throw input.error("expected '<'", at: position) }
        position += 1
        let nameStart = position
        while position < input.count {
            let byte = input[position]
            if ByteInput.isSpace(byte) || byte == 0x2F || byte == 0x3E { break }
            position += 1
        }
        let nameEnd = position
        guard nameEnd > nameStart else { throw input.error("element without a name", at: start) }
        // Skip attributes up to '>' (Torque prints none), honouring quotes.
        var quote: UInt8 = 0
        while position < input.count {
            let byte = input[position]
            if quote != 0 {
                if byte == quote { quote = 0 }
            } else if byte == 0x22 || byte == 0x27 {
                quote = byte
            } else if byte == 0x3E {
                position += 1
                let selfClosing = input[position - 2] == 0x2F
                return Tag(start: start, nameStart: nameStart, nameEnd: nameEnd, selfClosing: selfClosing)
            } else if byte == 0x3C {
                throw input.error("'<' inside a tag", at: position)
            }
            position += 1
        }
        throw truncated()
    }

    private mutating func endTag(of tag: Tag) throws(QstatParseError) {
        let start = position
        position += 2
        let nameStart = position
        while position < input.count, !ByteInput.isSpace(input[position]), input[position] != 0x3E {
            position += 1
        }
        let length = position - nameStart
        while position < input.count, ByteInput.isSpace(input[position]) { position += 1 }
        guard position < input.count else { throw truncated() }
        guard input[position] == 0x3E else { throw input.error("malformed end tag", at: start) }
        let expected = tag.nameEnd - tag.nameStart
        guard length == expected, memcmpEqual(nameStart, tag.nameStart, length) else {
            throw input.error("end tag does not match '<\(input.string(tag.nameStart, tag.nameEnd))>'", at: start)
        }
        position += 1
    }

    private func memcmpEqual(_ first: Int, _ second: Int, _ length: Int) -> Bool {
        for offset in 0..<length where input[first + offset] != input[second + offset] { return false }
        return true
    }

    /// Skips an element's whole content, nested elements included, and its end tag.
    private mutating func skipElement(_ tag: Tag, depth: Int) throws(QstatParseError) {
        guard depth < Self.maximumDepth else { throw input.error("XML nested too deeply", at: tag.start) }
        while true {
            guard let open = input.find(0x3C, from: position, to: input.count) else { throw truncated() }
            position = open
            if input.matches("</", at: position) {
                try endTag(of: tag)
                return
            }
            if input.matches("<![CDATA[", at: position) {
                guard let close = find("]]>", from: position + 9) else { throw truncated() }
                position = close + 3
            } else if input.matches("<!--", at: position) || input.matches("<?", at: position) {
                try skipCommentOrInstruction()
            } else {
                let child = try startTag()
                if !child.selfClosing { try skipElement(child, depth: depth + 1) }
            }
        }
    }

    /// Between child elements only blanks and comments may appear.
    private mutating func skipBlankContent(in parent: Tag) throws(QstatParseError) {
        while true {
            while position < input.count, ByteInput.isSpace(input[position]) { position += 1 }
            guard position < input.count else { throw truncated() }
            if input[position] != 0x3C {
                throw input.error("unexpected text inside '<\(input.string(parent.nameStart, parent.nameEnd))>'",
                                  at: position)
            }
            if input.matches("<!--", at: position) || input.matches("<?", at: position) {
                try skipCommentOrInstruction()
                continue
            }
            return
        }
    }

    /// Blanks, comments, processing instructions and a DOCTYPE outside the root element.
    private mutating func skipMisc() throws(QstatParseError) {
        while true {
            while position < input.count, ByteInput.isSpace(input[position]) { position += 1 }
            if input.matches("<!--", at: position) || input.matches("<?", at: position) {
                try skipCommentOrInstruction()
            } else if input.matches("<!DOCTYPE", at: position) {
                guard let close = input.find(0x3E, from: position, to: input.count) else { throw truncated() }
                position = close + 1
            } else {
                return
            }
        }
    }

    private mutating func skipCommentOrInstruction() throws(QstatParseError) {
        let comment = input.matches("<!--", at: position)
        guard let close = find(comment ? "-->" : "?>", from: position + 2) else { throw truncated() }
        position = close + (comment ? 3 : 2)
    }

    private func find(_ literal: StaticString, from start: Int) -> Int? {
        var index = start
        let first = literal.utf8Start[0]
        while let found = input.find(first, from: index, to: input.count) {
            if input.matches(literal, at: found) { return found }
            index = found + 1
        }
        return nil
    }

    private func name(of tag: Tag) -> ByteSlice {
        ByteSlice(start: input.base + tag.nameStart, count: tag.nameEnd - tag.nameStart)
    }

    private func nameIs(_ tag: Tag, _ literal: StaticString) -> Bool {
        name(of: tag).equals(literal)
    }

    private func truncated() -> QstatParseError {
        input.error("XML ends before '</Data>' (output cut short?)", at: input.count)
    }
}
