/// The kinds of job one ipyparallel cluster is made of.
public enum ClusterRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// The single `ipcontroller` job; its address goes into the handoff file.
    case controller
    /// The `ipengine` MPI jobs; they connect to one controller generation.
    case engine
    /// The optional Jupyter notebook job, independent of the controller.
    case notebook

    /// Short form used when the job name must be trimmed to the scheduler's limit.
    public var shortName: String {
        switch self {
        case .controller: "ctl"
        case .engine: "eng"
        case .notebook: "nb"
        }
    }
}
