// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Lifeboat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lifeboat", targets: ["lifeboat"]),
        .executable(name: "lifeboat-demo-node", targets: ["lifeboat-demo-node"]),
        .library(name: "LifeboatRepository", targets: ["LifeboatRepository"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.65.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // Yams 5: its parser keeps duplicate keys, which the config loader reports with both lines.
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "LifeboatCore", swiftSettings: strict),
        .target(
            name: "LifeboatCrypto",
            dependencies: [
                "LifeboatCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .target(name: "LifeboatStorage", dependencies: ["LifeboatCore"], swiftSettings: strict),
        .target(name: "LifeboatProcess", dependencies: ["LifeboatCore"], swiftSettings: strict),
        .target(
            name: "LifeboatChunking",
            dependencies: ["LifeboatCore", "CSQLite"],
            swiftSettings: strict),
        .target(
            name: "LifeboatRepository",
            dependencies: [
                "LifeboatCore", "LifeboatCrypto", "LifeboatStorage", "LifeboatProcess", "LifeboatChunking", "CZstd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "LifeboatS3",
            dependencies: [
                "LifeboatCore", "LifeboatStorage",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .target(
            name: "LifeboatConfig",
            dependencies: ["LifeboatCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict),
        .target(
            name: "LifeboatCatalog",
            dependencies: ["LifeboatCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .target(name: "LifeboatShelf", dependencies: ["LifeboatCore", "CSQLite"], swiftSettings: strict),
        .executableTarget(
            name: "lifeboat-demo-node",
            dependencies: [
                "LifeboatCore", "LifeboatShelf", "CSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "LifeboatDatabases",
            dependencies: ["LifeboatCore", "LifeboatProcess", "LifeboatRepository", "LifeboatConfig"],
            swiftSettings: strict),
        .target(
            name: "LifeboatIdentity",
            dependencies: [
                "LifeboatCore", "LifeboatCrypto", "LifeboatConfig", "LifeboatRepository", "LifeboatCatalog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        .target(
            name: "LifeboatJobs",
            dependencies: [
                "LifeboatCore", "LifeboatConfig", "LifeboatCatalog", "LifeboatRepository", "LifeboatStorage", "LifeboatS3",
                "LifeboatCrypto", "LifeboatIdentity", "LifeboatDatabases", "LifeboatProcess", "LifeboatChunking",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .target(
            name: "LifeboatServer",
            dependencies: [
                "LifeboatCore", "LifeboatConfig", "LifeboatCatalog", "LifeboatRepository", "LifeboatJobs", "LifeboatIdentity",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["API/openapi.json"],
            swiftSettings: strict,
            plugins: ["EmbedOpenAPIDocument"]),
        .executableTarget(
            name: "lifeboat-scale-bench",
            dependencies: [
                "LifeboatCore", "LifeboatCatalog", "LifeboatConfig", "LifeboatCrypto", "LifeboatJobs", "LifeboatServer",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "embed-text",
            swiftSettings: strict),
        .plugin(
            name: "EmbedOpenAPIDocument",
            capability: .buildTool(),
            dependencies: ["embed-text"]),
        .target(
            name: "LifeboatTestSupport",
            dependencies: ["LifeboatCore", "LifeboatStorage", "LifeboatProcess"],
            swiftSettings: strict),
        .executableTarget(
            name: "lifeboat",
            dependencies: [
                "LifeboatCore", "LifeboatRepository", "LifeboatStorage", "LifeboatCrypto", "LifeboatS3", "LifeboatConfig",
                "LifeboatJobs", "LifeboatServer", "LifeboatCatalog", "LifeboatIdentity",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "LifeboatCoreTests", dependencies: ["LifeboatCore"], swiftSettings: strict),
        .testTarget(
            name: "LifeboatCryptoTests", dependencies: ["LifeboatCrypto"], swiftSettings: strict),
        .testTarget(
            name: "LifeboatStorageTests",
            dependencies: ["LifeboatStorage", "LifeboatTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatChunkingTests",
            dependencies: ["LifeboatChunking", "LifeboatTestSupport", "CSQLite"],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatRepositoryTests",
            dependencies: [
                "LifeboatRepository", "LifeboatTestSupport", "CSQLite", .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatS3Tests",
            dependencies: [
                "LifeboatS3", "LifeboatTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict),
        .testTarget(name: "LifeboatConfigTests", dependencies: ["LifeboatConfig"], swiftSettings: strict),
        .testTarget(
            name: "LifeboatCatalogTests",
            dependencies: ["LifeboatCatalog", "LifeboatTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatShelfTests",
            dependencies: ["LifeboatShelf", "lifeboat-demo-node", "LifeboatTestSupport", "CSQLite"],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatDemoNodeTests",
            dependencies: ["lifeboat-demo-node", "LifeboatTestSupport", "LifeboatJobs", "CSQLite"],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatDatabasesTests",
            dependencies: [
                "LifeboatDatabases", "LifeboatProcess", "LifeboatRepository", "LifeboatConfig", "LifeboatStorage", "LifeboatTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatIdentityTests",
            dependencies: [
                "LifeboatIdentity", "LifeboatTestSupport", "LifeboatRepository", "LifeboatStorage", "LifeboatConfig",
                "LifeboatCatalog", "LifeboatCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatServerTests",
            dependencies: [
                "LifeboatServer", "LifeboatJobs", "LifeboatTestSupport", "LifeboatConfig", "LifeboatCatalog", "LifeboatCore", "CSQLite",
                "LifeboatIdentity", "LifeboatRepository",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatProcessTests",
            dependencies: ["LifeboatProcess", "LifeboatCore", "LifeboatTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatFaultTests",
            dependencies: [
                "lifeboat", "LifeboatS3", "LifeboatRepository", "LifeboatStorage", "LifeboatCore", "LifeboatTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatCLITests",
            dependencies: ["lifeboat", "lifeboat-demo-node", "LifeboatTestSupport", "LifeboatProcess"],
            swiftSettings: strict),
    ]
)
