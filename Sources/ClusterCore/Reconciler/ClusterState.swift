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
    /// The handoff as last decided; nil before the first controller reported.
    public var handoff: Handoff?
    /// The handoff the supervisor confirmed written to the file. It differs from `handoff` between a decision and
    /// its write (the state is saved first) and while writes fail: the file is rewritten until it matches, and
    /// every rule that relies on what readers see (retiring the controller the file named before, moving
    /// engines) follows this one.
    public var handoffOnDisk: Handoff?
    /// Why the last write of the handoff file failed, until one succeeds.
    public var handoffWriteError: String?
    /// True while qstat fails: job states are the last known ones.
    public var stale: Bool
    /// When qstat started failing.
    public var staleSince: Timestamp?
    /// The last qstat failure, for status.
    public var lastQueryFailure: String?
    /// Next `TrackedJob.sequence` (also part of new intent ids).
    public var nextSequence: Int
    /// Submissions left until the next answered tick refills it to `ClusterSpec.submitBurst`: results fed back
    /// (a qsub's id) lead to more decisions, so the bound must span them all, not one call.
    public var submitBudget: Int

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
        handoffOnDisk = nil
        handoffWriteError = nil
        stale = false
        staleSince = nil
        lastQueryFailure = nil
        nextSequence = 1
        submitBudget = spec.submitBurst
    }

    enum CodingKeys: String, CodingKey {
        case formatVersion, cluster, jobs, controller, engine, notebook, engineCount, specEngineCount
        case controllerGeneration, handoff, handoffOnDisk, handoffWriteError, stale, staleSince
        case lastQueryFailure, nextSequence, submitBudget
    }

    /// Decodes a saved state; keys added after format 1 was first written may be absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        formatVersion = try c.decode(Int.self, forKey: .formatVersion)
        cluster = try c.decode(String.self, forKey: .cluster)
        jobs = try c.decode([TrackedJob].self, forKey: .jobs)
        controller = try c.decode(RoleState.self, forKey: .controller)
        engine = try c.decode(RoleState.self, forKey: .engine)
        notebook = try c.decode(RoleState.self, forKey: .notebook)
        engineCount = try c.decode(Int.self, forKey: .engineCount)
        specEngineCount = try c.decode(Int.self, forKey: .specEngineCount)
        controllerGeneration = try c.decode(Int.self, forKey: .controllerGeneration)
        handoff = try c.decodeIfPresent(Handoff.self, forKey: .handoff)
        // States saved before the confirmation existed were written with the file already in place.
        handoffOnDisk = c.contains(.handoffOnDisk)
            ? try c.decodeIfPresent(Handoff.self, forKey: .handoffOnDisk) : handoff
        handoffWriteError = try c.decodeIfPresent(String.self, forKey: .handoffWriteError)
        stale = try c.decode(Bool.self, forKey: .stale)
        staleSince = try c.decodeIfPresent(Timestamp.self, forKey: .staleSince)
        lastQueryFailure = try c.decodeIfPresent(String.self, forKey: .lastQueryFailure)
        nextSequence = try c.decode(Int.self, forKey: .nextSequence)
        submitBudget = try c.decodeIfPresent(Int.self, forKey: .submitBudget) ?? 8
    }

    /// True while the handoff file does not hold the decided handoff yet.
    public var handoffUnwritten: Bool { handoff != handoffOnDisk }

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
