/// `qstat --version`: the probe that tells OpenPBS, Torque and Slurm's wrapper apart.
///
/// - OpenPBS / PBS Pro print `pbs_version = 23.06.06`.
/// - Torque prints `Version: 6.1.2` (and `Commit: ...`).
/// - Slurm's wrapper rejects `--version` (exit 2) with its usage line
///   `qstat [-f] [-a|-i|-r] [-n [-1]] [-G|-M] [-u user_list] [-? | --help]`.
public enum QstatVersionCommand {
    /// The probe's plan.
    public static let plan = PBSCommandPlan(tool: .qstat, arguments: ["--version"])

    /// The detection for a configured dialect (nothing runs).
    public static func configured(_ dialect: PBSDialect) -> DialectDetection {
        DialectDetection(
            dialect: dialect, version: nil, method: .configured,
            evidence: "dialect = \(dialect.rawValue) in the configuration"
        )
    }

    /// Classifies the probe's outcome.
    public static func classify(_ outcome: CommandOutcome) -> Result<DialectDetection, PBSCommandError> {
        if let error = QsubCommand.abnormalEnd(outcome, tool: "qstat --version") { return .failure(error) }
        let lines = CommandText.lines(outcome.stdoutText) + CommandText.lines(outcome.stderrText)
        for line in lines {
            if let value = value(of: line, key: "pbs_version", separator: "=") {
                return .success(detected(.openpbs, version: value, evidence: line))
            }
        }
        for line in lines {
            if let value = value(of: line, key: "Version", separator: ":") {
                return .success(detected(.torque, version: value, evidence: line))
            }
        }
        if outcome.exitCode != 0,
           let usage = lines.first(where: { $0.contains("[-u user_list]") && $0.contains("--help") }) {
            return .success(detected(.slurmWrapper, version: nil, evidence: usage))
        }
        return .failure(PBSCommandError(
            kind: .badOutput,
            message: "cannot tell the PBS flavour from `qstat --version` (set `dialect` in the configuration)",
            outcome: outcome
        ))
    }

    private static func detected(_ dialect: PBSDialect, version: String?, evidence: String) -> DialectDetection {
        DialectDetection(dialect: dialect, version: version, method: .versionProbe, evidence: evidence)
    }

    /// `value` from a `key <separator> value` line, nil when the line is not that.
    private static func value(of line: String, key: String, separator: Character) -> String? {
        guard let index = line.firstIndex(of: separator) else { return nil }
        guard CommandText.trim(String(line[..<index])) == key else { return nil }
        let value = CommandText.trim(String(line[line.index(after: index)...]))
        return value.isEmpty ? nil : value
    }
}
