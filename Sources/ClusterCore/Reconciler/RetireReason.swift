/// Why clusterd deleted a job. A job that ends after clusterd deleted it is never a failure.
public enum RetireReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// A stop command.
    case stopped
    /// A restart command.
    case restarted
    /// Fewer engines wanted (scale or reload); the newest go first.
    case scaledDown = "scaled-down"
    /// More jobs of the role than wanted (duplicates found at adoption).
    case surplus
    /// Its replacement, started before the walltime ran out, took over.
    case renewed
    /// A newer controller took over: its engines point at a controller that is going away (engines of states
    /// saved before engines followed the controller).
    case controllerReplaced = "controller-replaced"
    /// The controller role was stopped: engines have nothing to connect to.
    case controllerLost = "controller-lost"
    /// A running controller did not report its address within `address_timeout`.
    case addressTimeout = "address-timeout"
    /// A running controller's health report stopped advancing for `address_timeout`: ipcontroller hangs or died
    /// inside a job that goes on.
    case healthTimeout = "health-timeout"
    /// The role was removed from the configuration.
    case roleRemoved = "role-removed"
}
