import ArgumentParser
import ClusterAPI
import ClusterClient
import ClusterConfiguration
import ClusterCore
import Glibc

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

    func run() throws {
        let api = try client.client()
        let from = try sinceSeconds()
        if follow {
            try CtlExit.guarding {
                try api.followEvents(cluster: cluster, since: from) { event in
                    try show(event)
                    return true
                }
            }
            return
        }
        let events = try CtlExit.guarding { try api.events(cluster: cluster, since: from) }
        if output.json { return try printJSON(events) }
        for event in events { try show(event) }
    }

    private func show(_ event: ClusterEvent) throws {
        if output.json {
            // One compact object per line (NDJSON) while following; a plain array otherwise.
            say(String(decoding: try APIJSON.encode(event), as: UTF8.self))
            return
        }
        var line = Self.time(event.time.seconds) + "  " + event.cluster
        if let role = event.role { line += "/" + role.rawValue }
        line += "  " + event.kind.rawValue
        if let job = event.jobID { line += "  " + job }
        say(line + "  " + event.message)
    }

    private func sinceSeconds() throws -> Double? {
        guard let since else { return nil }
        if let epoch = Double(since), epoch > 1_000_000_000 { return epoch }
        guard let ago = DurationText.seconds(since) else {
            throw ValidationError("--since takes a duration (10m, 2h) or seconds since the epoch, not \"\(since)\"")
        }
        return Clock.now - Double(ago)
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
