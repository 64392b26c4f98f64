import Foundation
import Testing
import TestSupport

/// systemd/clusterd.service must pass `systemd-analyze --user verify` with no warning (unknown keys are only
/// warnings, so stderr must stay empty too).
@Suite struct SystemdUnitTests {
    static let analyze = "/usr/bin/systemd-analyze"
    static let unit = Product.repositoryRoot.appendingPathComponent("systemd/clusterd.service").path

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: analyze),
                   "systemd-analyze is missing: install the systemd package (scripts/install-deps.sh does)"))
    func unitVerifies() throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        #expect(text.contains("ExecStart=%h/.local/bin/clusterd run\n"))
        // verify wants ExecStart's binary to exist: check a copy that starts the built clusterd.
        let dir = try TemporaryDirectory()
        let runtime = dir.path + "/runtime"
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let copy = try dir.write(
            "clusterd.service",
            text.replacingOccurrences(of: "%h/.local/bin/clusterd ", with: Product.path("clusterd") + " ")
                .replacingOccurrences(of: "%h/.local/bin/clusterctl ", with: Product.path("clusterctl") + " "))
        // The user manager wants XDG_RUNTIME_DIR; a private one keeps the check independent of the session.
        let result = try TestProcess.run(
            Self.analyze, ["--user", "verify", copy],
            environment: ["XDG_RUNTIME_DIR": runtime, "SYSTEMD_PAGER": "", "HOME": dir.path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "warnings: \(result.stderr)")
    }

    @Test func unitKeepsTheRulesThatMatter() throws {
        let text = try String(contentsOfFile: Self.unit, encoding: .utf8)
        let lines = Set(text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") })
        for required in ["Type=notify", "NotifyAccess=main", "ExecReload=%h/.local/bin/clusterctl reload",
                         "Restart=on-failure", "WantedBy=default.target"] {
            #expect(lines.contains(required), "missing \(required)")
        }
        #expect(lines.contains { $0.hasPrefix("WatchdogSec=") })
        #expect(lines.contains { $0.hasPrefix("TimeoutStopSec=") })
        // OpenPBS/Torque authenticate through the setuid pbs_iff: nothing that implies NoNewPrivileges.
        for forbidden in ["NoNewPrivileges", "RestrictAddressFamilies", "SystemCallFilter", "PrivateTmp",
                          "ProtectSystem", "ProtectHome", "LockPersonality", "MemoryDenyWriteExecute"] {
            #expect(!lines.contains { $0.hasPrefix(forbidden + "=") }, "\(forbidden)= breaks user units on login nodes")
        }
    }
}
