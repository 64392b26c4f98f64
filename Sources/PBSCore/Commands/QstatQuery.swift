/// A planned qstat call for a set of job ids: the argv, the output format to parse, and what was asked.
public struct QstatQuery: Sendable, Equatable {
    /// The dialect the plan was built for.
    public var dialect: PBSDialect
    /// The command to run, or nil when there is nothing to ask (no ids, or none with a job-id shape).
    public var plan: PBSCommandPlan?
    /// How to parse stdout.
    public var format: QstatFormat
    /// The ids the caller asked about, as the caller spelled them (the keys of the answer).
    public var askedIDs: [String]
    /// Asked ids that are not job ids; they are never sent (one bad word makes OpenPBS fail the whole call:
    /// `qstat -f abc` is exit 170) and are answered `.unknown`.
    public var malformedIDs: [String]
    /// True when the plan asks for finished jobs too (OpenPBS `-x`).
    public var includesHistory: Bool

    /// Creates a query plan. Use `QstatCommand.plan(ids:dialect:history:)`.
    public init(
        dialect: PBSDialect, plan: PBSCommandPlan?, format: QstatFormat, askedIDs: [String],
        malformedIDs: [String], includesHistory: Bool
    ) {
        self.dialect = dialect
        self.plan = plan
        self.format = format
        self.askedIDs = askedIDs
        self.malformedIDs = malformedIDs
        self.includesHistory = includesHistory
    }
}
