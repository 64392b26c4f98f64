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
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
    ],
    targets: [
        // Pure: PBS job model, dialects, qstat/qsub output parsers. No I/O, no dependencies.
        .target(name: "PBSCore", swiftSettings: strict),
        // Pure: configuration model and validation, durations, job-script rendering, reconciler.
        .target(
            name: "ClusterCore",
            dependencies: ["PBSCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        // Codable types shared by the daemon's control API and its client.
        .target(name: "ClusterAPI", dependencies: ["ClusterCore"], swiftSettings: strict),
        // The typed control-API client (HTTP/1.1 over the unix socket, plain POSIX: clusterctl starts fast).
        .target(name: "ClusterClient", dependencies: ["ClusterAPI", "ClusterCore"], swiftSettings: strict),
        // libsystemd (sd_notify, sd_journal_sendv).
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // Adapters: PBS command runner, state store, handoff file, supervisor, notifier, journald.
        .target(
            name: "ClusterDaemon",
            dependencies: [
                "ClusterCore", "PBSCore", "ClusterAPI", "CSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The PBS server emulator (qsub/qstat/qdel as local processes, fault injection). It does not use PBSCore on
        // purpose: it re-implements the PBS formats, so its tests are an independent check of clusterd's parsers.
        .target(name: "PBSEmulator", swiftSettings: strict),
        // Command-line pieces shared by clusterd and clusterctl (--config, check-config).
        .target(
            name: "ClusterCLI",
            dependencies: ["ClusterCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "clusterd",
            dependencies: [
                "ClusterDaemon", "ClusterCore", "PBSCore", "ClusterCLI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "clusterctl",
            dependencies: [
                "ClusterCore", "ClusterAPI", "ClusterCLI", "ClusterClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "pbs-emu", dependencies: ["PBSEmulator"], swiftSettings: strict),
        // Test helpers shared by the test targets: temporary directories, running real programs, built products.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "PBSCoreTests", dependencies: ["PBSCore"], resources: [.copy("Fixtures")],
                    swiftSettings: strict),
        .testTarget(name: "ClusterCoreTests", dependencies: ["ClusterCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ClusterDaemonTests", dependencies: ["ClusterDaemon", "ClusterAPI", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "PBSEmulatorTests", dependencies: ["PBSEmulator", "PBSCore", "TestSupport"],
                    swiftSettings: strict),
        // The daemon's supervisor against real pbs-emu processes (and the real clusterd binary for crashes).
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["ClusterDaemon", "ClusterCore", "PBSCore", "ClusterAPI", "ClusterClient",
                           "clusterd", "clusterctl", "pbs-emu", "TestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // Slow: the real clusterd against a real Slurm (PBS wrappers), real ipyparallel and MPI. Skips without them
        // (fails under CI=true). Set up by scripts/e2e-slurm.sh and scripts/e2e-venv.sh; run by scripts/test.sh.
        .testTarget(name: "EndToEndTests", dependencies: ["clusterd", "TestSupport"], swiftSettings: strict),
        // Runs the built executables: arguments, exit codes, output.
        .testTarget(
            name: "CLITests",
            dependencies: ["clusterd", "clusterctl", "pbs-emu", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
