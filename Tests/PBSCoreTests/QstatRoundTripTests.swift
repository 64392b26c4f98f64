import PBSCore
import Testing

/// Builds multi-job listings the way the servers print them (text wrapped at 79 columns with TAB
/// continuations, TAB-indented JSON) from known jobs, then checks the parser gives the same jobs back.
@Suite("qstat parser: generated listings round-trip")
struct QstatRoundTripTests {
    private struct Spec {
        var id: String
        var state: String
        var substate: Int
        var exitStatus: Int?
        var hosts: [String]
        var walltime: Int
        var used: Int?
        var variables: [(String, String)]
        var comment: String?
    }

    private func specs(_ count: Int) -> [Spec] {
        let states: [(String, Int)] = [("R", 42), ("Q", 10), ("H", 20), ("H", 22), ("F", 92), ("F", 93)]
        return (0..<count).map { index in
            let (state, substate) = states[index % states.count]
            let ran = state == "R" || state == "F"
            return Spec(
                id: "\(1000 + index).server-\(index % 3).example.org",
                state: state, substate: substate,
                exitStatus: state == "F" ? (substate == 93 ? -29 : index % 4) : nil,
                hosts: ran ? (0..<(1 + index % 3)).map { "cn\(100 + index + $0)" } : [],
                walltime: 600 + index * 37, used: ran ? index * 3 : nil,
                variables: [
                    ("PBS_O_HOME", "/home/user\(index)"),
                    ("PBS_O_PATH", (0..<(3 + index % 9)).map { "/opt/tool-\(index)-\($0)/bin" }.joined(separator: ":")),
                    ("SEED", "00\(index)"),
                    ("WITH_COMMA", "a\\,b\(index)"),
                    ("CLUSTERD_TAG", "cluster-\(index % 5)-engine-\(index)"),
                ],
                comment: ran ? "Job run at Wed Nov 25 at 21:21 on (cn\(100 + index):ncpus=\(index % 8 + 1))" : nil
            )
        }
    }

    private func hms(_ seconds: Int) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }

    /// `    key = value` wrapped at 79 columns: commas first, mid-token when a piece is too long.
    private func wrapped(_ key: String, _ value: String) -> String {
        var lines = ["    \(key) = "]
        var room = 78 - lines[0].count
        var pieces: [String] = []
        var current = ""
        for character in value {
            current.append(character)
            if character == "," {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        for var piece in pieces {
            if piece.count > room, lines[lines.count - 1] != "\t", piece.count <= 70 {
                lines.append("\t")
                room = 70
            }
            while piece.count > room {
                lines[lines.count - 1] += piece.prefix(room)
                piece = String(piece.dropFirst(room))
                lines.append("\t")
                room = 70
            }
            lines[lines.count - 1] += piece
            room -= piece.count
        }
        return lines.filter { $0 != "\t" }.joined(separator: "\n") + "\n"
    }

    private func text(_ specs: [Spec]) -> String {
        var output = ""
        for spec in specs {
            output += "Job Id: \(spec.id)\n"
            output += wrapped("Job_Name", "job-\(spec.id)")
            output += wrapped("Job_Owner", "user@login01.example.org")
            if let used = spec.used { output += wrapped("resources_used.walltime", hms(used)) }
            output += wrapped("job_state", spec.state)
            output += wrapped("queue", "workq")
            output += wrapped("ctime", "Wed Nov 25 21:21:41 2026")
            if !spec.hosts.isEmpty {
                output += wrapped("exec_host", spec.hosts.map { "\($0)/0*8" }.joined(separator: "+"))
            }
            output += wrapped("Hold_Types", spec.substate == 22 ? "s" : "n")
            output += wrapped("Resource_List.walltime", hms(spec.walltime))
            output += wrapped("substate", "\(spec.substate)")
            output += wrapped("Variable_List", spec.variables.map { "\($0.0)=\($0.1)" }.joined(separator: ","))
            if let comment = spec.comment { output += wrapped("comment", comment) }
            if let exit = spec.exitStatus { output += wrapped("Exit_status", "\(exit)") }
            output += "\n"
        }
        return output
    }

    private func json(_ specs: [Spec]) -> String {
        func quoted(_ value: String) -> String {
            "\"" + value.replacingBackslashes() + "\""
        }
        var jobs: [String] = []
        for spec in specs {
            var lines = [
                "\t\t\t\"Job_Name\":\t\(quoted("job-\(spec.id)"))",
                "\t\t\t\"Job_Owner\":\t\"user@login01.example.org\"",
            ]
            if let used = spec.used {
                lines.append("\t\t\t\"resources_used\":\t{\n\t\t\t\t\"ncpus\":\t8,\n"
                    + "\t\t\t\t\"walltime\":\t\"\(hms(used))\"\n\t\t\t}")
            }
            lines.append("\t\t\t\"job_state\":\t\"\(spec.state)\"")
            lines.append("\t\t\t\"queue\":\t\"workq\"")
            lines.append("\t\t\t\"ctime\":\t\"Wed Nov 25 21:21:41 2026\"")
            if !spec.hosts.isEmpty {
                lines.append("\t\t\t\"exec_host\":\t\(quoted(spec.hosts.map { "\($0)/0*8" }.joined(separator: "+")))")
            }
            lines.append("\t\t\t\"Hold_Types\":\t\"\(spec.substate == 22 ? "s" : "n")\"")
            lines.append("\t\t\t\"Resource_List\":\t{\n\t\t\t\t\"walltime\":\t\"\(hms(spec.walltime))\"\n\t\t\t}")
            lines.append("\t\t\t\"substate\":\t\(spec.substate)")
            let variables = spec.variables.map { "\t\t\t\t\(quoted($0.0)):\t\(quoted($0.1))" }.joined(separator: ",\n")
            lines.append("\t\t\t\"Variable_List\":\t{\n\(variables)\n\t\t\t}")
            if let comment = spec.comment { lines.append("\t\t\t\"comment\":\t\(quoted(comment))") }
            if let exit = spec.exitStatus { lines.append("\t\t\t\"Exit_status\":\t\(exit)") }
            jobs.append("\t\t\(quoted(spec.id)):\t{\n" + lines.joined(separator: ",\n") + "\n\t\t}")
        }
        return "{\n\t\"timestamp\":\t1795641718,\n\t\"pbs_version\":\t\"23.06.06\",\n\t\"pbs_server\":\t\"vm\",\n"
            + "\t\"Jobs\":\t{\n" + jobs.joined(separator: ",\n") + "\n\t}\n}\n"
    }

    private func check(_ jobs: [PBSJob], against specs: [Spec]) {
        #expect(jobs.count == specs.count)
        for (job, spec) in zip(jobs, specs) {
            #expect(job.id == spec.id)
            #expect(job.name == "job-\(spec.id)")
            #expect(job.owner == "user")
            #expect(job.rawState == spec.state)
            #expect(job.substate == spec.substate)
            #expect(job.state == (spec.state == "H" && spec.substate == 22 ? .waiting
                : ["R": .running, "Q": .queued, "H": .held, "F": .finished][spec.state]!))
            #expect(job.exitStatus == spec.exitStatus)
            #expect(job.execHosts == spec.hosts)
            #expect(job.walltimeRequested == spec.walltime)
            #expect(job.walltimeUsed == spec.used)
            #expect(job.submitTime == localEpoch(2026, 11, 25, 21, 21, 41))
            #expect(job.comment == spec.comment)
            var expected: [String: String] = [:]
            for (name, value) in spec.variables { expected[name] = value.replacingOccurrences(of: "\\,", with: ",") }
            #expect(job.variables == expected)
        }
    }

    @Test func textListing() throws {
        let specs = specs(60)
        let listing = text(specs)
        #expect(listing.contains("\n\t"))  // it really wraps
        check(try QstatParser.parse(listing.bytes, format: .pbsText), against: specs)
    }

    @Test func textListingWithEightSpaceContinuations() throws {
        let specs = specs(12)
        let listing = text(specs).replacingOccurrences(of: "\n\t", with: "\n        ")
        check(try QstatParser.parse(listing.bytes, format: .pbsText), against: specs)
    }

    @Test func jsonListing() throws {
        let specs = specs(60)
        check(try QstatParser.parse(json(specs).bytes, format: .openpbsJSON), against: specs)
    }

    /// A listing whose output passes the 1 MiB flush threshold comes out in whole-line pieces that add up to one
    /// line per job; a listing cut short hands out the finished lines and then throws.
    @Test func largeOutputIsHandedOutInWholeLinePieces() throws {
        let listing = Array(json(specs(3_000)).utf8)
        var pieces: [[UInt8]] = []
        try listing.withUnsafeBufferPointer { bytes in
            try QstatInspection.run(bytes, format: .openpbsJSON) { pieces.append(Array($0)) }
        }
        #expect(pieces.count > 1)
        #expect(pieces.allSatisfy { $0.last == 0x0A })
        #expect(pieces.dropLast().allSatisfy { $0.count >= 1 << 20 })
        #expect(pieces.joined().split(separator: 0x0A).count == 3_000)
        #expect(Array(pieces.joined()) == (try QstatInspection.run(listing, format: .openpbsJSON)))

        var handedOut = 0
        #expect(throws: QstatInspectionError.self) {
            try listing.withUnsafeBufferPointer { bytes in
                let cut = UnsafeBufferPointer(rebasing: bytes[..<(bytes.count * 9 / 10)])
                try QstatInspection.run(cut, format: .openpbsJSON) { handedOut += $0.count }
            }
        }
        #expect(handedOut >= 1 << 20, "the lines before the cut were handed out")
    }

    @Test func jsonLinesOfAListingAreOneObjectPerJob() throws {
        let specs = specs(7)
        let output = try QstatInspection.run(json(specs).bytes, format: nil)
        let lines = output.split(separator: 0x0A)
        #expect(lines.count == 7)
        #expect(output.last == 0x0A)
        let first = String(decoding: lines[0], as: UTF8.self)
        #expect(first.hasPrefix("{\"id\":\"1000.server-0.example.org\",\"name\":\"job-1000.server-0.example.org\""))
        #expect(first.contains("\"state\":\"running\",\"rawState\":\"R\",\"substate\":42,\"exitStatus\":null"))
        #expect(first.contains("\"execHosts\":[\"cn100\"],\"walltimeRequested\":600,\"walltimeUsed\":0"))
        // Variables come sorted by name.
        #expect(first.contains("\"variables\":{\"CLUSTERD_TAG\":\"cluster-0-engine-0\",\"PBS_O_HOME\":"))
        #expect(first.hasSuffix("\"arrayParent\":null,\"isArrayParent\":false,\"arrayIndex\":null}"))
    }
}

private extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = Substring(self)
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    /// JSON-escapes backslashes and quotes (enough for these generated values).
    func replacingBackslashes() -> String {
        var result = ""
        for character in self {
            if character == "\\" || character == "\"" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}

private extension Substring {
    func range(of target: String) -> Range<Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(target) { return index..<self.index(index, offsetBy: target.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
