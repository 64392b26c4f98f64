/// Everything the reconciler knows; the supervisor persists it as JSON after every call and reloads it after a
/// crash. Only live jobs and pending intents are kept; ended jobs leave a `JobExit` in their role.
public struct ClusterState: Sendable, Equatable, Codable {
    /// Format version of the persisted JSON.
    public var formatVersion: Int
    /// The cluster's name (must match the spec's).
    public var cluster: String
    /// Live jobs and pending intents, oldest first.
    public var jobs: [TrackedJob]
    /// Controller role bookkeeping.
    public var controller: RoleState
    /// Engine role bookkeeping.
    public var engine: RoleState
    /// Notebook role bookkeeping.
    public var notebook: RoleState
    /// Engines wanted now (spec value, or the last `scale`).
    public var engineCount: Int
    /// The spec's engine count when last applied: a reload only overrides a `scale` when the spec changed.
    public var specEngineCount: Int
    /// The last controller generation handed out.
    public var controllerGeneration: Int
    /// The handoff as last written; nil before the first controller reported.
    public var handoff: Handoff?
    /// True while qstat fails: job states are the last known ones.
    public var stale: Bool
    /// When qstat started failing.
    public var staleSince: Timestamp?
    /// The last qstat failure, for status.
    public var lastQueryFailure: String?
    /// Next `TrackedJob.sequence` (also part of new intent ids).
    public var nextSequence: Int

    /// A fresh state: every role wanted running, nothing submitted.
    public init(spec: ClusterSpec) {
        formatVersion = 1
        cluster = spec.name
        jobs = []
        controller = RoleState()
        engine = RoleState()
        notebook = RoleState()
        engineCount = spec.engineCount
        specEngineCount = spec.engineCount
        controllerGeneration = 0
        handoff = nil
        stale = false
        staleSince = nil
        lastQueryFailure = nil
        nextSequence = 1
    }

    /// The bookkeeping of `role`.
    public subscript(role: ClusterRole) -> RoleState {
        get {
            switch role {
            case .controller: controller
            case .engine: engine
            case .notebook: notebook
            }
        }
        set {
            switch role {
            case .controller: controller = newValue
            case .engine: engine = newValue
            case .notebook: notebook = newValue
            }
        }
    }
}
