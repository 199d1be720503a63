// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Lifeboat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lifeboat", targets: ["lifeboat"]),
        .library(name: "LifeboatRepository", targets: ["LifeboatRepository"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
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
        .target(
            name: "LifeboatSources",
            dependencies: ["LifeboatCore", "CSQLite"],
            swiftSettings: strict),
        .target(
            name: "LifeboatRepository",
            dependencies: [
                "LifeboatCore", "LifeboatCrypto", "LifeboatStorage", "LifeboatSources", "CZstd",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "LifeboatTestSupport",
            dependencies: ["LifeboatCore", "LifeboatStorage"],
            swiftSettings: strict),
        .executableTarget(
            name: "lifeboat",
            dependencies: [
                "LifeboatCore", "LifeboatRepository", "LifeboatStorage", "LifeboatCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .testTarget(name: "LifeboatCoreTests", dependencies: ["LifeboatCore"], exclude: ["Schedule", "Retention"], swiftSettings: strict),
        .testTarget(
            name: "LifeboatCryptoTests", dependencies: ["LifeboatCrypto"], swiftSettings: strict),
        .testTarget(
            name: "LifeboatStorageTests",
            dependencies: ["LifeboatStorage", "LifeboatTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatSourcesTests",
            dependencies: ["LifeboatSources", "LifeboatTestSupport", "CSQLite"],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatRepositoryTests",
            dependencies: ["LifeboatRepository", "LifeboatTestSupport", "CSQLite"],
            swiftSettings: strict),
        .testTarget(
            name: "LifeboatCLITests",
            dependencies: ["lifeboat", "LifeboatTestSupport"],
            swiftSettings: strict),
    ]
)
