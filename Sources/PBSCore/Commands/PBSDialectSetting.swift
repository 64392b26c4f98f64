/// The configured dialect: detect it with `qstat --version`, or force one.
public enum PBSDialectSetting: String, Sendable, Equatable, Codable, CaseIterable {
    case auto
    case openpbs
    case torque
    case slurmWrapper = "slurm-wrapper"

    /// The forced dialect, or nil for `auto`.
    public var forcedDialect: PBSDialect? {
        switch self {
        case .auto: return nil
        case .openpbs: return .openpbs
        case .torque: return .torque
        case .slurmWrapper: return .slurmWrapper
        }
    }
}
