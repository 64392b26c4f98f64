import ServiceLifecycle

/// The control server in the daemon's service group: it is bound before the group starts (READY=1 and the first
/// tick come after the bind), and shut down last, after the tick loop finished.
extension ControlServer: Service {
    public func run() async throws {
        // Returns at graceful shutdown or cancellation; either way the server stops and the socket goes.
        try? await gracefulShutdown()
        await shutdown()
    }
}
