// swift-tools-version:6.1
import PackageDescription

// Every target gets the same upcoming features and strict checking (house style rule 7).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Mixdown",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mixdown", targets: ["mixdown"]),
        .library(name: "MixdownRecipe", targets: ["MixdownRecipe"]),
        .library(name: "MixdownPlanner", targets: ["MixdownPlanner"]),
        .library(name: "MixdownExecution", targets: ["MixdownExecution"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
    ],
    targets: [
        // The recipe language: YAML with source marks -> typed, validated step graph. No I/O beyond reading text.
        .target(
            name: "MixdownRecipe",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // Step graph + probed media facts -> ffmpeg stages. Pure: no processes.
        .target(
            name: "MixdownPlanner",
            dependencies: ["MixdownRecipe"],
            swiftSettings: swiftSettings
        ),
        // libebur128, the C meter (EBU Tech 3341/3342 conformant) that loudness is measured with.
        .systemLibrary(
            name: "CEBUR128",
            pkgConfig: "libebur128",
            providers: [.apt(["libebur128-dev"])]
        ),
        // The metering's per-sample loop (deinterleave and check), optimised even in debug builds.
        .target(
            name: "CMixdownDSP",
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        // CRC-32 by carry-less multiplication, for the checksum each multipart upload part carries.
        .target(
            name: "CMixdownChecksum",
            cSettings: [.unsafeFlags(["-O2"])]
        ),
        // Runs plans: child processes, progress, downloads, probing, measuring outputs.
        .target(
            name: "MixdownExecution",
            dependencies: [
                "MixdownPlanner",
                "CEBUR128",
                "CMixdownDSP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // Stored files behind one protocol: a local folder, or an S3-compatible bucket (SigV4 by hand).
        .target(
            name: "MixdownStorage",
            dependencies: [
                "CMixdownChecksum",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Durable jobs: the stores (SQLite through GRDB, PostgreSQL, libSQL over HTTP), assets, the
        // worker and its reaper, and the one configuration door every process goes through.
        .target(
            name: "MixdownJobs",
            dependencies: [
                "MixdownExecution",
                "MixdownStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API (Hummingbird 2) over the job system.
        .target(
            name: "MixdownServer",
            dependencies: [
                "MixdownJobs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                // Non-blocking file writes for multipart uploads (Hummingbird's FileIO uses the same).
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            // The web studio: plain HTML, CSS and JavaScript served at `/`, no front-end build step.
            resources: [.copy("Studio")],
            swiftSettings: swiftSettings
        ),
        // The command line's commands, kept in a library so tests can reach its pieces.
        .target(
            name: "MixdownCLI",
            dependencies: [
                "MixdownExecution",
                "MixdownJobs",
                "MixdownServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mixdown",
            dependencies: ["MixdownCLI"],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by tests: lavfi media generation, running the built binary.
        .target(
            name: "MixdownTestSupport",
            dependencies: [
                "MixdownExecution",
                "MixdownPlanner",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/MixdownTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MixdownRecipeTests",
            dependencies: [
                "MixdownRecipe",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MixdownPlannerTests",
            dependencies: [
                "MixdownPlanner",
                "MixdownTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MixdownExecutionTests",
            dependencies: ["CEBUR128", "CMixdownDSP", "MixdownExecution", "MixdownPlanner", "MixdownRecipe", "MixdownTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MixdownStorageTests",
            dependencies: [
                "CMixdownChecksum", "MixdownStorage", "MixdownTestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MixdownJobsTests",
            dependencies: ["MixdownJobs", "MixdownStorage", "MixdownExecution", "MixdownPlanner", "MixdownRecipe", "MixdownTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MixdownServerTests",
            dependencies: [
                "MixdownServer",
                "MixdownJobs",
                "MixdownExecution",
                "MixdownPlanner",
                "MixdownTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MixdownCLITests",
            dependencies: ["MixdownCLI", "MixdownExecution", "MixdownPlanner", "MixdownTestSupport"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
