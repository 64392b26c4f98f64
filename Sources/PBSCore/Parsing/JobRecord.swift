#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which family printed a job: decides the state letters and which time attribute means what.
enum JobFlavour {
    /// OpenPBS, PBS Pro and Torque (their letters and time attributes do not clash).
    case pbs
    /// Slurm's `slurm-wlm-torque` qstat wrapper: qtime = submit, mtime = start, ctime = end.
    case slurmWrapper
}

/// The kept attributes of one job while it is being scanned; `finish` turns it into a `PBSJob`.
struct JobRecord {
    var id: String?
    var flavour: JobFlavour
    /// Offset of the job's first byte, for errors about the job as a whole.
    var offset: Int

    var name: String?
    var owner: String?
    var queue: String?
    var rawState: String?
    var substate: Int?
    var exitStatus: Int?
    var execHosts: [String] = []
    var walltimeRequested: Int?
    var walltimeUsed: Int?
    var ctime: Int?
    var qtime: Int?
    var stime: Int?
    var mtime: Int?
    var obittime: Int?
    var torqueStartTime: Int?
    var torqueCompTime: Int?
    var comment: String?
    var schedHint: String?
    var holdTypes: String?
    var variables = VariableArena()
    var arrayMarker = false
    var arrayID: String?
    var arrayIndex: Int?

    /// `recycling` hands over the previous job's variable storage, so its capacity is reused.
    init(id: String?, flavour: JobFlavour, offset: Int, recycling arena: inout VariableArena) {
        self.id = id
        self.flavour = flavour
        self.offset = offset
        swap(&variables, &arena)
        variables.removeAll()
    }

    /// Stores one scalar attribute. `value` is the decoded text (JSON numbers: their literal token).
    mutating func set(_ attribute: JobAttribute, _ value: ByteSlice, times: inout PBSTimeConverter) {
        switch attribute {
        case .jobID: id = value.string
        case .name: name = value.string
        case .owner: owner = Self.userName(value)
        case .state: rawState = value.string
        case .queue: queue = value.string
        case .substate: substate = value.integer
        case .exitStatus: exitStatus = value.integer
        case .execHost: execHosts = Self.hosts(value)
        case .walltimeRequested: walltimeRequested = PBSDuration.seconds(value)
        case .walltimeUsed: walltimeUsed = PBSDuration.seconds(value)
        case .ctime: ctime = times.epoch(value)
        case .qtime: qtime = times.epoch(value)
        case .stime: stime = times.epoch(value)
        case .mtime: mtime = times.epoch(value)
        case .obittime: obittime = times.epoch(value)
        case .torqueStartTime: torqueStartTime = times.epoch(value)
        case .torqueCompTime: torqueCompTime = times.epoch(value)
        case .comment: comment = value.string
        case .schedHint: schedHint = value.string
        case .holdTypes: holdTypes = value.string
        case .variableList: variables.parseList(value)
        case .arrayMarker: arrayMarker = !(value.equals("False") || value.equals("false"))
        case .arrayID: arrayID = value.string
        case .arrayIndex: arrayIndex = value.integer
        case .resourceList, .resourcesUsed: break
        }
    }

    /// `user@host` → `user`.
    private static func userName(_ value: ByteSlice) -> String {
        var end = 0
        while end < value.count, value[end] != 0x40 { end += 1 }
        return ByteSlice(start: value.start, count: end).string
    }

    /// `charon24/0*2+charon21/0*2` → [charon24, charon21]; Torque's one entry per cpu
    /// (`n1/0+n1/1`) collapses to one host, first host first.
    static func hosts(_ value: ByteSlice) -> [String] {
        var hosts: [String] = []
        var index = 0
        while index < value.count {
            var end = index
            while end < value.count, value[end] != 0x2B { end += 1 }
            var nameEnd = index
            while nameEnd < end, value[nameEnd] != 0x2F { nameEnd += 1 }
            var nameStart = index
            while nameStart < nameEnd, value[nameStart] == 0x20 { nameStart += 1 }
            while nameEnd > nameStart, value[nameEnd - 1] == 0x20 { nameEnd -= 1 }
            if nameEnd > nameStart {
                let host = ByteSlice(start: value.start + nameStart, count: nameEnd - nameStart).string
                if !hosts.contains(host) { hosts.append(host) }
            }
            index = end + 1
        }
        return hosts
    }

    /// Builds the normalized job; fails when the job has no id or no state (a block cut short).
    /// `withVariables: false` leaves `variables` empty for callers that read them from `self.variables`.
    func finish(input: ByteInput, withVariables: Bool = true) throws(QstatParseError) -> PBSJob {
        guard let id, !id.isEmpty else {
            throw input.error("job without an id", at: offset)
        }
        guard let rawState, let letter = rawState.utf8.first else {
            throw input.error("job \(id) has no job_state (output cut short?)", at: offset)
        }
        let state = Self.state(letter, flavour: flavour, substate: substate, holdTypes: holdTypes)
        let submit: Int?
        let start: Int?
        let end: Int?
        switch flavour {
        case .pbs:
            submit = ctime ?? qtime
            start = stime ?? torqueStartTime
            end = obittime ?? torqueCompTime ?? (state == .finished ? mtime : nil)
        case .slurmWrapper:
            submit = qtime
            start = mtime
            end = state == .finished ? ctime : nil
        }
        let array = Self.arrayInfo(id: id)
        return PBSJob(
            id: id, name: name, owner: owner, queue: queue, state: state, rawState: rawState,
            substate: substate, exitStatus: exitStatus, execHosts: execHosts,
            walltimeRequested: walltimeRequested, walltimeUsed: walltimeUsed,
            submitTime: submit, startTime: start, endTime: end, comment: comment ?? schedHint,
            variables: withVariables ? variables.dictionary() : [:],
            arrayParent: array.index != nil ? (arrayID ?? array.parent) : arrayID,
            isArrayParent: array.isParent || (arrayMarker && array.index == nil),
            arrayIndex: arrayIndex ?? array.index
        )
    }

    /// Maps a state letter. See docs/qstat-parsing.md for the table and the reasons.
    static func state(_ letter: UInt8, flavour: JobFlavour, substate: Int?, holdTypes: String?) -> PBSJobState {
        switch flavour {
        case .slurmWrapper:
            switch letter {
            case UInt8(ascii: "Q"): return .queued
            case UInt8(ascii: "R"): return .running
            case UInt8(ascii: "S"): return .suspended
            case UInt8(ascii: "C"): return .finished
            // U: a Slurm state the wrapper cannot name (a COMPLETING/CONFIGURING flag, NODE_FAIL, OOM,
            // PREEMPTED...): mostly a job on its way out, but not provably over.
            default: return .exiting
            }
        case .pbs:
            switch letter {
            case UInt8(ascii: "Q"), UInt8(ascii: "T"): return .queued
            case UInt8(ascii: "H"):
                // H/22 (or a system hold without a substate, Torque) is a dependency wait.
                if let substate { return substate == 22 ? .waiting : .held }
                return holdTypes == "s" ? .waiting : .held
            case UInt8(ascii: "W"): return .waiting
            case UInt8(ascii: "R"), UInt8(ascii: "B"): return .running
            case UInt8(ascii: "E"): return .exiting
            case UInt8(ascii: "S"), UInt8(ascii: "U"): return .suspended
            case UInt8(ascii: "X"), UInt8(ascii: "F"), UInt8(ascii: "C"): return .finished
            // M (moved) and anything unknown: in transition, neither pending nor over.
            default: return .exiting
            }
        }
    }

    /// `6[].srv` → parent; `6[3].srv` → subjob of `6[].srv`, index 3.
    static func arrayInfo(id: String) -> (isParent: Bool, parent: String?, index: Int?) {
        var id = id
        let hasBracket = id.withUTF8 { bytes in
            bytes.baseAddress.map { memchr($0, 0x5B, bytes.count) != nil } ?? false
        }
        guard hasBracket else { return (false, nil, nil) }
        let bytes = Array(id.utf8)
        guard let open = bytes.firstIndex(of: 0x5B), let close = bytes[open...].firstIndex(of: 0x5D) else {
            return (false, nil, nil)
        }
        if close == open + 1 { return (true, nil, nil) }
        var index = 0
        for position in (open + 1)..<close {
            let digit = Int(bytes[position]) - 0x30
            guard digit >= 0, digit <= 9 else { return (false, nil, nil) }
            index = index * 10 + digit
        }
        let parent = bytes[..<(open + 1)] + bytes[close...]
        return (false, String(decoding: parent, as: UTF8.self), index)
    }
}
