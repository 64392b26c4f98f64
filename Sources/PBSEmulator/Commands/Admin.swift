import Foundation

extension Emulator {
    static let faultUsage = """
        usage: pbs-emu fault list | clear
               pbs-emu fault server-down|garbage|truncate|no-history on|off
               pbs-emu fault slow <duration>|off
               pbs-emu fault qsub-hang <duration>|off
               pbs-emu fault vanish <id> [on|off]
               pbs-emu fault qsub-fail <count>|off
               pbs-emu fault kill <id> <exit-status>

        """

    /// `pbs-emu fault ...`: switches faults on and off at run time.
    public func fault(_ arguments: [String]) -> CommandOutput {
        guard let name = arguments.first else { return CommandOutput(stderr: Self.faultUsage, exitCode: 2) }
        let rest = Array(arguments.dropFirst())
        if name == "kill" {
            guard rest.count == 2 else { return CommandOutput(stderr: Self.faultUsage, exitCode: 2) }
            return killJob([rest[0], "--exit", rest[1]])
        }
        do {
            return try store.withLockedState { state -> CommandOutput in
                var faults = state.faults
                func flag(_ value: String?) -> Bool? {
                    switch value { case "on", "true", "1": true; case "off", "false", "0": false; default: nil }
                }
                switch name {
                case "list":
                    return CommandOutput(stdout: Self.describe(faults, server: context.serverName))
                case "clear":
                    faults = FaultSettings()
                case "server-down", "garbage", "truncate", "no-history":
                    guard rest.count == 1, let on = flag(rest[0]) else {
                        return CommandOutput(stderr: Self.faultUsage, exitCode: 2)
                    }
                    switch name {
                    case "server-down": faults.serverDown = on
                    case "garbage": faults.garbage = on
                    case "truncate": faults.truncate = on
                    default: faults.noHistory = on
                    }
                case "slow", "qsub-hang":
                    guard rest.count == 1, let seconds = rest[0] == "off" ? 0 : EmulatorDuration.parse(rest[0]) else {
                        return CommandOutput(stderr: Self.faultUsage, exitCode: 2)
                    }
                    if name == "slow" { faults.slow = seconds } else { faults.qsubHang = seconds }
                case "qsub-fail":
                    guard rest.count == 1, let count = rest[0] == "off" ? 0 : Int(rest[0]), count >= 0 else {
                        return CommandOutput(stderr: Self.faultUsage, exitCode: 2)
                    }
                    faults.qsubFail = count
                case "vanish":
                    guard (1...2).contains(rest.count),
                          case let .job(seq, _) = JobOperand.parse(rest[0], server: context.serverName),
                          let on = rest.count == 2 ? flag(rest[1]) : true else {
                        return CommandOutput(stderr: Self.faultUsage, exitCode: 2)
                    }
                    faults.vanished.removeAll { $0 == seq }
                    if on { faults.vanished.append(seq) }
                default:
                    return CommandOutput(stderr: "pbs-emu: unknown fault \(name)\n" + Self.faultUsage, exitCode: 2)
                }
                state.faults = faults
                return CommandOutput()
            }
        } catch {
            return Self.failure("pbs-emu", error)
        }
    }

    static func describe(_ faults: FaultSettings, server: String) -> String {
        func onOff(_ value: Bool) -> String { value ? "on" : "off" }
        let vanished = faults.vanished.map { "\($0).\(server)" }.joined(separator: " ")
        return """
            server-down  \(onOff(faults.serverDown))
            slow         \(faults.slow == 0 ? "off" : "\(faults.slow)s")
            garbage      \(onOff(faults.garbage))
            truncate     \(onOff(faults.truncate))
            vanish       \(vanished.isEmpty ? "none" : vanished)
            qsub-fail    \(faults.qsubFail)
            no-history   \(onOff(faults.noHistory))
            qsub-hang    \(faults.qsubHang == 0 ? "off" : "\(CJSONValue.formatNumber(faults.qsubHang))s")

            """
    }

    /// `pbs-emu kill <id> --exit N`: the system kills a running job (SIGKILL to its session) and the job ends
    /// with Exit_status N (F/92 when N is 0, else F/93).
    public func killJob(_ arguments: [String]) -> CommandOutput {
        let usage = CommandOutput(stderr: "usage: pbs-emu kill <id> --exit <status>\n", exitCode: 2)
        guard arguments.count == 3, arguments[1] == "--exit", let status = Int(arguments[2]),
              case let .job(seq, display) = JobOperand.parse(arguments[0], server: context.serverName) else {
            return usage
        }
        do {
            let message = try store.withLockedState { state -> String? in
                guard let index = state.index(of: seq) else { return "pbs-emu: Unknown Job Id \(display)\n" }
                guard state.jobs[index].isRunning, state.jobs[index].processEnd == nil else {
                    return "pbs-emu: job \(display) is not running\n"
                }
                state.jobs[index].endReason = .system(exitStatus: status)
                state.jobs[index].endStartedAt = Self.now()
                return nil
            }
            if let message { return CommandOutput(stderr: message, exitCode: 1) }
        } catch {
            return Self.failure("pbs-emu", error)
        }
        wakeServer()
        return CommandOutput()
    }

    static let configUsage = """
        usage: pbs-emu config                                     (prints the settings as JSON)
               pbs-emu config queue-wait <duration>|off           (minimum time in Q, default 0)
               pbs-emu config queue-wait <duration>|off --name <glob>
                                                              (for jobs whose name matches; off removes it)
               pbs-emu config queue-wait clear                    (removes every --name wait)
               pbs-emu config ncpus <n>                           (CPUs of the node, 0 = unlimited)
               pbs-emu config kill-delay <duration>               (SIGTERM -> SIGKILL, default 2s)
               pbs-emu config exit-lag <duration>|off             (R after the end began, before F)
               pbs-emu config walltime-grace <duration>|off       (walltime enforced that much late)
               pbs-emu config queues <name>[,<name>...]|none      (queues besides workq)
               pbs-emu config resources <name>[,<name>...]|none   (custom resources besides the built-in)
        Durations: 500ms, 3s, 2m, 1h or plain seconds.

        """

    /// `pbs-emu config [<setting> <value>]`: prints the settings, or changes one (see `configUsage`).
    public func config(_ arguments: [String]) -> CommandOutput {
        let usage = CommandOutput(stderr: Self.configUsage, exitCode: 2)
        if arguments == ["--help"] || arguments == ["-h"] { return CommandOutput(stdout: Self.configUsage) }
        func duration(_ text: String) -> Double? { text == "off" ? 0 : EmulatorDuration.parse(text) }
        do {
            return try store.withLockedState { state -> CommandOutput in
                switch arguments.count {
                case 0:
                    return CommandOutput(stdout: Self.describe(state.config))
                case 2:
                    switch arguments[0] {
                    case "queue-wait":
                        if arguments[1] == "clear" {
                            state.config.nameQueueWaits = []
                        } else {
                            guard let seconds = duration(arguments[1]) else { return usage }
                            state.config.queueWait = seconds
                        }
                    case "kill-delay":
                        guard let seconds = EmulatorDuration.parse(arguments[1]) else { return usage }
                        state.config.killDelay = seconds
                    case "exit-lag":
                        guard let seconds = duration(arguments[1]) else { return usage }
                        state.config.exitLag = seconds
                    case "walltime-grace":
                        guard let seconds = duration(arguments[1]) else { return usage }
                        state.config.walltimeGrace = seconds
                    case "ncpus":
                        guard let count = Int(arguments[1]), count >= 0 else { return usage }
                        state.config.ncpus = count
                    case "queues", "resources":
                        let names = arguments[1] == "none" ? [] : arguments[1].split(separator: ",").map(String.init)
                        guard names.allSatisfy(Self.isPBSName) else { return usage }
                        if arguments[0] == "queues" {
                            state.config.queues = names
                        } else {
                            state.config.resources = names
                        }
                    default:
                        return usage
                    }
                    return CommandOutput()
                case 4:
                    guard arguments[0] == "queue-wait", arguments[2] == "--name", !arguments[3].isEmpty else {
                        return usage
                    }
                    let pattern = arguments[3]
                    if arguments[1] == "off" {
                        state.config.nameQueueWaits.removeAll { $0.pattern == pattern }
                        return CommandOutput()
                    }
                    guard let seconds = EmulatorDuration.parse(arguments[1]) else { return usage }
                    let wait = NameQueueWait(pattern: pattern, seconds: seconds)
                    if let index = state.config.nameQueueWaits.firstIndex(where: { $0.pattern == pattern }) {
                        state.config.nameQueueWaits[index] = wait
                    } else {
                        state.config.nameQueueWaits.append(wait)
                    }
                    return CommandOutput()
                default:
                    return usage
                }
            }
        } catch {
            return Self.failure("pbs-emu", error)
        }
    }

    /// Queue and resource names as PBS allows them: a letter first, then letters, digits, `_` and `-`.
    static func isPBSName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    /// The settings as one line of JSON, every key always present.
    static func describe(_ config: EmulatorConfig) -> String {
        func number(_ value: Double) -> String { CJSONValue.formatNumber(value) }
        func strings(_ list: [String]) -> String { "[" + list.map(CJSONValue.quoted).joined(separator: ", ") + "]" }
        let waits = config.nameQueueWaits.map { wait in
            "{\"name\": \(CJSONValue.quoted(wait.pattern)), \"wait\": \(number(wait.seconds))}"
        }
        let members = [
            "\"queue_wait\": \(number(config.queueWait))",
            "\"queue_wait_names\": [\(waits.joined(separator: ", "))]",
            "\"ncpus\": \(config.ncpus)",
            "\"kill_delay\": \(number(config.killDelay))",
            "\"exit_lag\": \(number(config.exitLag))",
            "\"walltime_grace\": \(number(config.walltimeGrace))",
            "\"queues\": \(strings(config.knownQueues))",
            "\"resources\": \(strings(config.resources))",
        ]
        return "{" + members.joined(separator: ", ") + "}\n"
    }

    /// `pbs-emu stats [reset]`: calls per command as JSON (`{"qdel":0,"qhold":0,"qrls":0,"qstat":3,"qsub":1}`).
    public func stats(_ arguments: [String]) -> CommandOutput {
        do {
            return try store.withLockedState { state -> CommandOutput in
                if arguments == ["reset"] {
                    state.stats = [:]
                    return CommandOutput()
                }
                guard arguments.isEmpty else {
                    return CommandOutput(stderr: "usage: pbs-emu stats [reset]\n", exitCode: 2)
                }
                var counts = state.stats
                for command in Self.commandNames where counts[command] == nil { counts[command] = 0 }
                let body = counts.keys.sorted().map { "\"\($0)\":\(counts[$0] ?? 0)" }.joined(separator: ",")
                return CommandOutput(stdout: "{\(body)}\n")
            }
        } catch {
            return Self.failure("pbs-emu", error)
        }
    }

    /// `pbs-emu install-links <bindir>`: qsub, qstat, qdel, qhold, qrls as symlinks to this executable.
    public func installLinks(_ arguments: [String]) -> CommandOutput {
        guard arguments.count == 1 else {
            return CommandOutput(stderr: "usage: pbs-emu install-links <bindir>\n", exitCode: 2)
        }
        let directory = arguments[0].hasPrefix("/") ? arguments[0] : context.workingDirectory + "/" + arguments[0]
        var printed = ""
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for command in Self.commandNames {
                let link = directory + "/" + command
                if (try? FileManager.default.destinationOfSymbolicLink(atPath: link)) != nil {
                    try FileManager.default.removeItem(atPath: link)
                }
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: context.executablePath)
                printed += "\(link) -> \(context.executablePath)\n"
            }
        } catch {
            return Self.failure("pbs-emu install-links", error)
        }
        return CommandOutput(stdout: printed)
    }

    static let commandNames = ["qdel", "qhold", "qrls", "qselect", "qstat", "qsub"]
}
