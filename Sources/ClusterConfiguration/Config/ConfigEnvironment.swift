/// What configuration defaults depend on: the user's home, UID and XDG directories.
public struct ConfigEnvironment: Sendable, Equatable {
    public var home: String
    public var uid: UInt32
    public var xdgConfigHome: String?
    public var xdgStateHome: String?
    public var xdgRuntimeDir: String?

    public init(home: String, uid: UInt32, xdgConfigHome: String? = nil, xdgStateHome: String? = nil,
                xdgRuntimeDir: String? = nil) {
        self.home = home
        self.uid = uid
        self.xdgConfigHome = xdgConfigHome.flatMap { $0.isEmpty ? nil : $0 }
        self.xdgStateHome = xdgStateHome.flatMap { $0.isEmpty ? nil : $0 }
        self.xdgRuntimeDir = xdgRuntimeDir.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `$XDG_CONFIG_HOME/clusterd/clusterd.toml`, or `~/.config/clusterd/clusterd.toml`.
    public var defaultConfigPath: String {
        (xdgConfigHome ?? home + "/.config") + "/clusterd/clusterd.toml"
    }

    /// `$XDG_STATE_HOME/clusterd`, or `~/.local/state/clusterd`.
    public var defaultStateDir: String {
        (xdgStateHome ?? home + "/.local/state") + "/clusterd"
    }

    /// `$XDG_RUNTIME_DIR/clusterd/clusterd.sock`, or inside the state dir when there is no runtime dir.
    public func defaultSocketPath(stateDir: String) -> String {
        if let runtime = xdgRuntimeDir { return runtime + "/clusterd/clusterd.sock" }
        return stateDir + "/clusterd.sock"
    }

    /// Expands a leading `~` or `~/` to the home directory.
    public func expandingTilde(_ path: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst() }
        return path
    }
}
