import ArgumentParser
import ClusterAPI
import ClusterClient
import ClusterConfiguration
import ClusterCore
import Glibc
import POSIXSupport

/// `clusterctl events [-f] [--cluster NAME] [--since WHEN]`.
struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show recent events; with -f, keep printing them as they happen.")

    @Flag(name: [.short, .customLong("follow")], help: "Keep printing events as they happen (Ctrl-C ends).")
    var follow = false

    @Option(help: "Only this cluster's events.")
    var cluster: String?

    @Option(help: ArgumentHelp("Only events since then: a duration ago (10m, 2h) or seconds since the epoch.",
                               valueName: "when"))
    var since: String?

    @OptionGroup var client: ClientOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        _ = try EventLine.since(since, now: 0)
    }

    func run() throws {
        let api = try client.client()
        let from = try EventLine.since(since, now: RealTimeClock.secondsSinceEpoch)
        if follow {
            try CtlExit.guarding {
                try api.followEvents(cluster: cluster, since: from) { event in
                    // One compact object per line (NDJSON) while following; a plain array otherwise.
                    say(output.json ? try EventLine.json(event) : EventLine.text(event))
                    return true
                }
            }
            return
        }
        let events = try CtlExit.guarding { try api.events(cluster: cluster, since: from) }
        if output.json { return try printJSON(events) }
        for event in events { say(EventLine.text(event)) }
    }
}

/// How `clusterctl events` shows one event, and how it reads `--since`.
enum EventLine {
    /// `2025-01-02 03:04:05  cluster/role  kind  job  message`, in local time.
    static func text(_ event: ClusterEvent) -> String {
        var line = time(event.time.seconds) + "  " + event.cluster
        if let role = event.role { line += "/" + role.rawValue }
        line += "  " + event.kind.rawValue
        if let job = event.jobID { line += "  " + job }
        return line + "  " + event.message
    }

    /// One compact JSON object.
    static func json(_ event: ClusterEvent) throws -> String {
        String(decoding: try APIJSON.encode(event), as: UTF8.self)
    }

    /// `--since`: seconds since the epoch as given, or a duration before `now`; nil when not given.
    static func since(_ text: String?, now: Double) throws -> Double? {
        guard let text else { return nil }
        if let epoch = Double(text), epoch > 1_000_000_000 { return epoch }
        guard let ago = DurationText.seconds(text) else {
            throw ValidationError("--since takes a duration (10m, 2h) or seconds since the epoch, not \"\(text)\"")
        }
        return now - Double(ago)
    }

    /// Local `YYYY-MM-DD HH:MM:SS`.
    static func time(_ seconds: Double) -> String {
        var value = time_t(seconds)
        var parts = tm()
        localtime_r(&value, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
