/// Which PBS flavour clusterd talks to, and how that was decided.
public struct DialectDetection: Sendable, Equatable {
    /// How the dialect was decided.
    public enum Method: String, Sendable, Equatable {
        /// Taken from the configuration; nothing was run.
        case configured
        /// Read from `qstat --version`.
        case versionProbe = "qstat --version"
    }

    public var dialect: PBSDialect
    /// The version the server's client printed (`23.06.06`, `6.1.2`), nil when it printed none (Slurm's wrapper).
    public var version: String?
    public var method: Method
    /// The line that decided it, for logs and `clusterctl status`.
    public var evidence: String

    /// Creates a detection result.
    public init(dialect: PBSDialect, version: String?, method: Method, evidence: String) {
        self.dialect = dialect
        self.version = version
        self.method = method
        self.evidence = evidence
    }
}
