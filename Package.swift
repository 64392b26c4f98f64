// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    // A member of a module this file does not import is an error: keeps full Foundation out of the daemon.
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "clusterd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clusterd", targets: ["clusterd"]),
        .executable(name: "clusterctl", targets: ["clusterctl"]),
        .executable(name: "pbs-emu", targets: ["pbs-emu"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        // The control API server; the default traits pull full Foundation and swift-configuration.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0", traits: []),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The control server's own one-thread event loop group (Hummingbird's default has one thread per core).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        // HTTP parts as the control server's connection handler sees them (already a dependency of Hummingbird).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // Pure: PBS job model, dialects, qstat/qsub output parsers. No I/O, no dependencies.
        .target(name: "PBSCore", swiftSettings: strict),
        // Pure: the reconciler state machine and its model (spec, state, events, status). PBSCore and the
        // standard library only: the compiler keeps I/O and clocks out of the decision core.
        .target(name: "ClusterCore", dependencies: ["PBSCore"], swiftSettings: strict),
        // POSIX helpers every I/O module shares: errno-precise file I/O, unix sockets, the console, the host name.
        .target(name: "POSIXSupport", swiftSettings: strict),
        // The configuration (TOML loading and validation, durations, paths) and job-script rendering.
        .target(
            name: "ClusterConfiguration",
            dependencies: ["ClusterCore", "PBSCore", "POSIXSupport", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        // Codable types shared by the daemon's control API and its client.
        .target(name: "ClusterAPI", dependencies: ["ClusterCore"], swiftSettings: strict),
        // The typed control-API client (HTTP/1.1 over the unix socket, plain POSIX: clusterctl starts fast).
        .target(name: "ClusterClient", dependencies: ["ClusterAPI", "ClusterCore", "POSIXSupport"],
                swiftSettings: strict),
        // libsystemd (sd_notify, sd_journal_sendv).
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // Adapters: the PBS command client, JSON files (state, handoff, reports), the supervisor and one runtime per
        // cluster, the control server, the tick service and the one reload path, sd_notify, journald.
        .target(
            name: "ClusterDaemon",
            dependencies: [
                "ClusterCore", "ClusterConfiguration", "POSIXSupport", "PBSCore", "ClusterAPI", "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The PBS server emulator (qsub/qstat/qdel as local processes, fault injection). It does not use PBSCore on
        // purpose: it re-implements the PBS formats, so its tests are an independent check of clusterd's parsers.
        .target(name: "PBSEmulator", swiftSettings: strict),
        // Command-line pieces shared by clusterd and clusterctl (--config, check-config, output, inspect-qstat).
        .target(
            name: "ClusterCLI",
            dependencies: ["ClusterConfiguration", "PBSCore", "POSIXSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // clusterctl's commands: arguments, the calls to the daemon, and how answers are shown.
        .target(
            name: "ClusterCtlCommands",
            dependencies: [
                "ClusterCore", "ClusterConfiguration", "POSIXSupport", "ClusterAPI", "ClusterCLI", "ClusterClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "clusterd",
            dependencies: [
                "ClusterDaemon", "ClusterCore", "ClusterConfiguration", "POSIXSupport", "PBSCore", "ClusterCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "clusterctl", dependencies: ["ClusterCLI", "ClusterCtlCommands"],
                          swiftSettings: strict),
        .executableTarget(name: "pbs-emu", dependencies: ["PBSEmulator"], swiftSettings: strict),
        // Test helpers shared by the test targets: temporary directories, running real programs, built products.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        // Test doubles of the daemon's effects: an in-memory PBS, a manual clock, a recording notifier, state
        // storage that can fail. The supervisor is tested with them, without processes.
        .target(name: "DaemonTestSupport", dependencies: ["ClusterDaemon", "ClusterCore", "PBSCore"],
                path: "Tests/DaemonTestSupport", swiftSettings: strict),
        .testTarget(name: "PBSCoreTests", dependencies: ["PBSCore"], resources: [.copy("Fixtures")],
                    swiftSettings: strict),
        .testTarget(name: "ClusterCoreTests", dependencies: ["ClusterCore", "PBSCore"], swiftSettings: strict),
        .testTarget(name: "ClusterConfigurationTests",
                    dependencies: ["ClusterConfiguration", "ClusterCore", "PBSCore", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "POSIXSupportTests", dependencies: ["POSIXSupport", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ClusterDaemonTests",
                    dependencies: ["ClusterDaemon", "ClusterAPI", "ClusterCore", "ClusterConfiguration", "POSIXSupport",
                                   "PBSCore", "TestSupport", "DaemonTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "PBSEmulatorTests", dependencies: ["PBSEmulator", "PBSCore", "TestSupport"],
                    swiftSettings: strict),
        // The daemon's supervisor against real pbs-emu processes (and the real clusterd binary for crashes).
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ClusterDaemon", "ClusterCore", "ClusterConfiguration", "POSIXSupport", "PBSCore",
                           "ClusterAPI", "ClusterClient", "ClusterCLI", "ClusterCtlCommands",
                           "clusterd", "clusterctl", "pbs-emu", "TestSupport", "DaemonTestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Slow: the real clusterd against a real Slurm (PBS wrappers), real ipyparallel and MPI. Skips without them
        // (fails under CI=true). Set up by scripts/e2e-slurm.sh and scripts/e2e-venv.sh; run by scripts/test.sh.
        // Also on pbs-emu (no Slurm, no root), driving clusterctl like a user.
        .testTarget(name: "EndToEndTests", dependencies: ["clusterd", "clusterctl", "pbs-emu", "TestSupport"],
                    swiftSettings: strict),
        // clusterctl's and clusterd's commands in process: parsing, help texts, rendering, the socket setting.
        .testTarget(
            name: "ClusterCtlCommandsTests",
            dependencies: ["ClusterCtlCommands", "ClusterCLI", "ClusterAPI", "ClusterCore", "ClusterConfiguration",
                           "POSIXSupport", "TestSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // Runs the built executables: arguments, exit codes, output.
        .testTarget(
            name: "CLITests",
            dependencies: ["clusterd", "clusterctl", "pbs-emu", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
