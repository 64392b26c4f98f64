/// How long one supervisor tick took.
public struct TickTiming: Sendable, Equatable {
    /// The whole tick: qstat, reconciling, and every qsub/qdel it led to.
    public var total: Duration
    /// The one qstat of the tick.
    public var query: Duration

    /// A timing.
    public init(total: Duration, query: Duration) {
        self.total = total
        self.query = query
    }
}
