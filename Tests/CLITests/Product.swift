import Foundation
import TestSupport

/// Runs the package's built executables (`clusterd`, `clusterctl`, `pbs-emu`) as real processes.
enum Product {
    static func path(_ name: String) -> String {
        BuiltProducts.path(name)
    }

    /// Runs `name` with `arguments`, feeding `input` on stdin, with extra environment variables.
    static func run(_ name: String, _ arguments: [String], input: String = "",
                    environment: [String: String] = [:]) throws -> ProcessOutput {
        try TestProcess.run(path(name), arguments, environment: environment, input: input)
    }

    /// The repository root (for `config/` and fixtures).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
