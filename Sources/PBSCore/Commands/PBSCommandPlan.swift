/// The PBS client programs clusterd runs.
public enum PBSTool: String, Sendable, Equatable, CaseIterable {
    case qstat, qsub, qdel, qselect
}

/// One planned PBS command: which tool, its argv after the program name, and optional standard input.
/// Plans are argv arrays, never shell text, so job values need no quoting.
public struct PBSCommandPlan: Sendable, Equatable {
    public var tool: PBSTool
    /// Arguments after the program name.
    public var arguments: [String]
    /// Bytes for standard input (a job script given by content), or nil for none.
    public var standardInput: [UInt8]?

    /// Creates a plan.
    public init(tool: PBSTool, arguments: [String], standardInput: [UInt8]? = nil) {
        self.tool = tool
        self.arguments = arguments
        self.standardInput = standardInput
    }
}
