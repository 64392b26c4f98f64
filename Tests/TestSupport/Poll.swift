import Foundation

/// Bounded waits for conditions on files and processes. It sleeps as a task: a test that blocked a thread of the
/// small cooperative pool (two on a 2-core CI machine) would stall every other test of the process meanwhile.
public enum Poll {
    /// Checks `condition` every `interval` seconds for at most `timeout` seconds; true once it held.
    public static func until(
        _ timeout: Double, interval: Double = 0.5, _ condition: () async throws -> Bool
    ) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
        }
        return (try? await condition()) == true
    }
}
