/// Everything clusterd puts on a qsub command line. `QsubCommand.plan(for:)` turns it into argv.
public struct SubmitRequest: Sendable, Equatable {
    /// Where the job script comes from.
    public enum Script: Sendable, Equatable {
        /// A script file, passed as the last argument.
        case path(String)
        /// Script contents, written to qsub's standard input (no file argument).
        case contents([UInt8])
    }

    /// The kind of a `-W depend=` dependency.
    public enum DependencyKind: String, Sendable, Equatable, CaseIterable {
        /// Start after the listed jobs have started.
        case after
        /// Start after the listed jobs ended with exit 0.
        case afterok
        /// Start after the listed jobs ended with a non-zero exit.
        case afternotok
        /// Start after the listed jobs ended, however.
        case afterany
    }

    /// A dependency on other jobs: `-W depend=<kind>:<id>[:<id>...]`.
    public struct Dependency: Sendable, Equatable {
        public var kind: DependencyKind
        public var jobIDs: [String]

        /// Creates a dependency.
        public init(kind: DependencyKind, jobIDs: [String]) {
            self.kind = kind
            self.jobIDs = jobIDs
        }
    }

    public var script: Script
    /// `-N name`.
    public var name: String?
    /// Resource requests, joined into ONE `-l a,b,c` (Slurm's wrapper keeps only the last `-l`).
    public var resources: [String]
    /// `-v K=V,...`, emitted sorted by name so argv is deterministic.
    public var variables: [String: String]
    /// `-W depend=...`.
    public var dependency: Dependency?
    /// `-j oe`: join standard error into standard output.
    public var joinOutput: Bool
    /// `-o path`.
    public var outputPath: String?
    /// `-e path`.
    public var errorPath: String?
    /// `-q queue`.
    public var queue: String?
    /// `-A account`.
    public var account: String?
    /// Extra arguments placed before the script, for site options clusterd does not model.
    public var extraArguments: [String]

    /// Creates a request.
    public init(
        script: Script, name: String? = nil, resources: [String] = [], variables: [String: String] = [:],
        dependency: Dependency? = nil, joinOutput: Bool = false, outputPath: String? = nil,
        errorPath: String? = nil, queue: String? = nil, account: String? = nil, extraArguments: [String] = []
    ) {
        self.script = script
        self.name = name
        self.resources = resources
        self.variables = variables
        self.dependency = dependency
        self.joinOutput = joinOutput
        self.outputPath = outputPath
        self.errorPath = errorPath
        self.queue = queue
        self.account = account
        self.extraArguments = extraArguments
    }
}
