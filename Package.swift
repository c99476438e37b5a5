// swift-tools-version: 6.2
// swift-subprocess 1.0.x needs tools 6.2.
import PackageDescription

// The layering (see docs/architecture.md): core ← spec, store, executors, trainer ← graph ← keys,
// scheduler, results ← build, report ← CLI. Nothing imports a layer above itself.
// PackageManifestTests checks that each target lists exactly the modules its sources import, and
// that docs/architecture.md's module table says the same.
//
// Every module a target imports is listed as its own dependency, even when another dependency
// brings it in: SwiftPM recompiles a target when a *listed* dependency changes, and a target that
// imported XGraphCore only through XGraphBuild kept an old constant of it (and another crashed on
// an old struct layout) after incremental builds.
let package = Package(
    name: "xgraph",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "xgraph", targets: ["xgraph"]),
        .executable(name: "xgraph-train", targets: ["xgraph-train"]),
        .executable(name: "xgraph-readonly", targets: ["xgraph-readonly"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
    ],
    targets: [
        // System libraries, each a small module map over a Debian -dev package.
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // SHA-256 for every digest: libcrypto instead of swift-crypto, whose BoringSSL was the
        // largest part of a clean release build (docs/architecture.md).
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // HTTP for the S3 remote cache; libcurl signs AWS SigV4 itself (docs/remote.md). Its
        // headers only: no pkg-config, so nothing links it; Sources/CCurl/shim.h loads it on
        // first use (linked, its twenty dependencies cost every xgraph start ~5 ms).
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        .target(name: "XGraphCore", dependencies: ["COpenSSL"]),
        .target(name: "XGraphSpec", dependencies: [
            "XGraphCore",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "XGraphStore", dependencies: ["XGraphCore"]),
        .target(name: "XGraphExecutors", dependencies: [
            "XGraphCore",
            .product(name: "Subprocess", package: "swift-subprocess"),
        ]),
        .target(name: "XGraphTrainer", dependencies: ["XGraphCore", "COpenBLAS", "CZlib"]),
        .target(name: "XGraphGraph", dependencies: ["XGraphCore", "XGraphSpec"]),
        .target(name: "XGraphKeys", dependencies: ["XGraphCore", "XGraphGraph"]),
        .target(name: "XGraphScheduler", dependencies: ["XGraphCore"]),
        .target(name: "XGraphResults", dependencies: [
            "XGraphCore", "XGraphSpec", "XGraphStore", "CGit2",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // The remote cache (S3 or a shared folder): push, fetch, signatures (docs/remote.md).
        .target(name: "XGraphRemote", dependencies: ["XGraphCore", "XGraphStore", "CCurl", "COpenSSL"]),
        .target(name: "XGraphBuild", dependencies: [
            "XGraphCore", "XGraphSpec", "XGraphGraph", "XGraphKeys", "XGraphStore",
            "XGraphScheduler", "XGraphExecutors", "XGraphResults", "XGraphRemote",
        ]),
        // `xgraph report`: the HTML page with SVG plots and the build's timeline.
        .target(name: "XGraphReport", dependencies: ["XGraphCore", "XGraphResults"]),
        .executableTarget(name: "xgraph", dependencies: [
            "XGraphBuild", "XGraphResults", "XGraphCore", "XGraphExecutors", "XGraphGraph", "XGraphReport", "XGraphStore", "XGraphRemote",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Runs builtin steps; separate so that `xgraph` itself never loads OpenBLAS.
        .executableTarget(name: "xgraph-train", dependencies: ["XGraphCore", "XGraphTrainer"]),
        // Starts a root build's jobs in a mount namespace with the store read-only
        // (docs/executors.md). The C library only, linked statically: it runs once per job and
        // costs about half a millisecond more than /bin/true.
        .executableTarget(name: "xgraph-readonly", linkerSettings: [.unsafeFlags(["-static-executable"])]),
        // The spec fuzzer (`make fuzz`): mutates experiment files and plans them in forked children.
        .target(name: "XGraphFuzz", dependencies: ["XGraphCore", "XGraphSpec", "XGraphGraph", "XGraphKeys", "XGraphStore", "XGraphResults"]),
        .executableTarget(name: "xgraph-fuzz", dependencies: ["XGraphFuzz"]),
        .executableTarget(name: "xgraph-bench", dependencies: [
            "XGraphBuild", "XGraphTrainer", "XGraphCore", "XGraphGraph", "XGraphSpec", "XGraphStore",
            "XGraphResults",
        ]),

        .testTarget(name: "XGraphCoreTests", dependencies: ["XGraphCore"]),
        // Experiment files in a temporary folder, for the spec and graph tests.
        .target(name: "SpecFixtures", dependencies: ["XGraphCore", "XGraphSpec"], path: "Tests/SpecFixtures"),
        .testTarget(name: "XGraphSpecTests", dependencies: ["XGraphSpec", "SpecFixtures", "XGraphCore"]),
        .testTarget(name: "XGraphGraphTests", dependencies: ["XGraphGraph", "XGraphSpec", "SpecFixtures", "XGraphCore"]),
        .testTarget(name: "XGraphKeysTests", dependencies: ["XGraphKeys", "XGraphGraph", "XGraphSpec", "SpecFixtures", "XGraphCore"]),
        .testTarget(name: "XGraphStoreTests", dependencies: ["XGraphStore", "XGraphCore"]),
        .testTarget(name: "XGraphRemoteTests", dependencies: ["XGraphRemote", "XGraphStore", "XGraphCore"]),
        .testTarget(name: "XGraphSchedulerTests", dependencies: ["XGraphScheduler", "XGraphCore"]),
        .testTarget(name: "XGraphExecutorsTests", dependencies: ["XGraphExecutors", "XGraphCore"]),
        .testTarget(name: "XGraphResultsTests", dependencies: ["XGraphResults", "XGraphStore", "XGraphCore"]),
        .testTarget(name: "XGraphReportTests", dependencies: ["XGraphReport", "XGraphResults"]),
        .testTarget(name: "XGraphTrainerTests", dependencies: ["XGraphTrainer", "XGraphCore", "CZlib"]),
        // xgraph-train: ShellPrefixBackendTests builds the quickstart, whose subsets are a builtin step.
        .testTarget(name: "XGraphBuildTests", dependencies: [
            "XGraphBuild", "XGraphCore", "XGraphExecutors", "XGraphGraph", "XGraphResults", "XGraphSpec", "XGraphStore",
            "xgraph-train",
        ]),
        .testTarget(name: "CLITests", dependencies: ["xgraph", "xgraph-train"]),
        .testTarget(name: "XGraphFuzzTests", dependencies: ["XGraphFuzz"]),
    ]
)
