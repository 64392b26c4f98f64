import Foundation
import Testing
import TestSupport

/// A non-root user's journal holds only clusterd's own lines: neither tool, nor the Swift runtime under it, writes
/// to syslog(3). Runs each tool as nobody, at nice 1, in a mount namespace whose /dev/log is a socket of the test.
@Suite(.enabled(if: SyslogCapture.unavailableReason == nil || SyslogCapture.isCI, "needs root, unshare, setpriv"))
struct JournalNoiseTests {
    @Test func harnessIsUsable() {
        #expect(SyslogCapture.unavailableReason == nil, "CI must not pass by skipping")
    }

    /// The plumbing (namespace, socket, permissions) works: logger(1) as nobody is heard.
    @Test func harnessHearsLogger() throws {
        let result = try SyslogCapture.run("/usr/bin/logger", ["-t", "journal-noise", "harness check"])
        #expect(result.syslog.count == 1 && result.syslog.first?.contains("journal-noise: harness check") == true,
                "\(result.syslog) \(result.stderr)")
    }

    @Test(arguments: [
        ("clusterctl", ["--help"]), ("clusterctl", ["version"]), ("clusterctl", ["status"]),
        ("clusterd", ["--help"]), ("clusterd", ["check-config", "--config", "/nonexistent.toml"]),
    ])
    func nothingReachesSyslog(tool: String, arguments: [String]) throws {
        let binary = try SyslogCapture.stage(Product.path(tool))
        defer { SyslogCapture.unstage(binary) }
        let result = try SyslogCapture.run(binary, arguments)
        #expect(result.syslog.isEmpty, "\(tool) \(arguments) wrote to syslog(3): \(result.syslog)")
    }
}
