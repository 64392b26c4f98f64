/// The three kinds of jobs clusterd keeps alive for a cluster.
public enum JobRole: String, Sendable, Codable, CaseIterable, Comparable {
    case controller, engines, notebook

    /// Short tag used in job names (`cd-<cluster>-ctl`).
    public var tag: String {
        switch self {
        case .controller: "ctl"
        case .engines: "eng"
        case .notebook: "nb"
        }
    }

    public static func < (a: JobRole, b: JobRole) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
