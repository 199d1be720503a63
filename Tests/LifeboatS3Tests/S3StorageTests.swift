import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@testable import LifeboatS3

@Suite(.motoServer) struct S3StorageTests {
    @Test func twelveMebibytesGoUpInThreeFiveMebibyteParts() async throws {
        let server = try Moto.server()
        let bucket = uniqueBucket()
        var configuration = try s3Configuration(server, bucket: bucket)
        configuration.multipartThreshold = 5 << 20
        configuration.partSize = 5 << 20
        let data = testBytes(12 << 20, seed: 42)
        let name = ObjectName(.data, hexName(42))
        try await withS3Storage(configuration) { storage in
            let before = storage.client.state.requestCount
            try await storage.put(name, data)
            // Create, three parts, complete.
            #expect(storage.client.state.requestCount - before == 5)
            #expect(try await storage.get(name) == data)
            #expect(try await storage.stat(name)?.size == data.count)
            let acrossParts = try await storage.getRange(name, offset: (5 << 20) - 100, length: 200)
            #expect(acrossParts == data.subdata(in: (5 << 20) - 100..<(5 << 20) + 100))
            let key = storage.key(for: name)
            let head = try await aws(server, ["s3api", "head-object", "--bucket", bucket, "--key", key])
            try #require(head.status == 0, "aws s3api head-object failed: \(head.errors)")
            // S3 marks a multipart object's ETag with its part count.
            #expect(head.output.contains("-3\\\""), "ETag of a 3-part upload: \(head.output)")
        }
    }

    @Test func aFailedMultipartUploadIsAbortedAndLeavesNoObject() async throws {
        let server = try Moto.server()
        let bucket = uniqueBucket()
        var configuration = try s3Configuration(server, bucket: bucket)
        // S3 (and moto) reject parts below 5 MiB at completion: a reliable way to make an upload fail.
        configuration.allowsUndersizedParts = true
        configuration.multipartThreshold = 1 << 20
        configuration.partSize = 1 << 20
        let name = ObjectName(.data, hexName(7))
        try await withS3Storage(configuration) { storage in
            let error = await #expect(throws: LifeboatError.self) {
                try await storage.put(name, testBytes(3 << 20, seed: 7))
            }
            #expect(error?.code == .io)
            #expect(error?.message.contains("EntityTooSmall") == true, "\(String(describing: error))")
            #expect(try await storage.stat(name) == nil)
            let uploads = try await aws(server, ["s3api", "list-multipart-uploads", "--bucket", bucket])
            try #require(uploads.status == 0, "aws s3api list-multipart-uploads failed: \(uploads.errors)")
            #expect(!uploads.output.contains("UploadId"), "the failed upload was not aborted: \(uploads.output)")
        }
    }

    @Test func listingFollowsContinuationTokens() async throws {
        var configuration = try s3Configuration(Moto.server(), bucket: uniqueBucket())
        configuration.listPageSize = 50
        try await withS3Storage(configuration) { storage in
            let dataNames = (0..<120).map { hexName(1000 + UInt64($0)) }
            let keyNames = (0..<120).map { "key-\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, name) in dataNames.enumerated() {
                    group.addTask { try await storage.put(ObjectName(.data, name), testBytes(index, seed: UInt64(index))) }
                }
                for name in keyNames {
                    group.addTask { try await storage.put(ObjectName(.keys, name), Data(name.utf8)) }
                }
                try await group.waitForAll()
            }
            let before = storage.client.state.requestCount
            let data = try await storage.list(.data)
            #expect(storage.client.state.requestCount - before == 3, "120 keys in pages of 50 take 3 requests")
            #expect(data.count == 120)
            #expect(Set(data.map(\.name.name)) == Set(dataNames))
            let sizes = Dictionary(uniqueKeysWithValues: data.map { ($0.name.name, $0.size) })
            for (index, name) in dataNames.enumerated() {
                #expect(sizes[name] == index)
            }
            let keys = try await storage.list(.keys)
            #expect(keys.count == 120)
            #expect(Set(keys.map(\.name.name)) == Set(keyNames))
        }
    }

    @Test func theAWSCLISeesTheFamiliarLayoutAndBothSidesReadEachOther() async throws {
        let server = try Moto.server()
        let bucket = uniqueBucket()
        let configuration = try s3Configuration(server, bucket: bucket, prefix: "backups/laptop")
        let pack = ObjectName(.data, hexName(9))
        let packData = testBytes(70_000, seed: 9)
        try await withS3Storage(configuration) { storage in
            try await storage.put(ObjectName(.config, "config"), testBytes(200, seed: 1))
            try await storage.put(ObjectName(.keys, "key-1"), testBytes(300, seed: 2))
            try await storage.put(ObjectName(.snapshots, "snap-1"), testBytes(10, seed: 3))
            try await storage.put(pack, packData)

            let listing = try await aws(server, ["s3", "ls", "s3://\(bucket)/backups/laptop/", "--recursive"])
            try #require(listing.status == 0, "aws s3 ls failed: \(listing.errors)")
            let keys = listing.output.split(separator: "\n").compactMap { line in
                line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true).last.map(String.init)
            }
            #expect(
                Set(keys) == [
                    "backups/laptop/config", "backups/laptop/keys/key-1", "backups/laptop/snapshots/snap-1",
                    "backups/laptop/data/\(pack.name.prefix(2))/\(pack.name)",
                ], "aws s3 ls printed: \(listing.output)")

            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let downloaded = directory.appending("pack")
            let copy = try await aws(
                server, ["s3", "cp", "s3://\(bucket)/backups/laptop/data/\(pack.name.prefix(2))/\(pack.name)", downloaded])
            try #require(copy.status == 0, "aws s3 cp down failed: \(copy.errors)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: downloaded)) == packData)

            // 9 MiB makes the CLI upload in parts of its own.
            let uploaded = directory.appending("index")
            let indexData = testBytes(9 << 20, seed: 10)
            try indexData.write(to: URL(fileURLWithPath: uploaded))
            let upload = try await aws(server, ["s3", "cp", uploaded, "s3://\(bucket)/backups/laptop/index/index-1"])
            try #require(upload.status == 0, "aws s3 cp up failed: \(upload.errors)")
            #expect(try await storage.get(ObjectName(.index, "index-1")) == indexData)
            #expect(try await storage.list(.index).map(\.name) == [ObjectName(.index, "index-1")])
        }
    }

    @Test func aMissingBucketIsReportedByEveryOperation() async throws {
        let server = try Moto.server()
        let bucket = uniqueBucket()
        let configuration = try s3Configuration(server, bucket: bucket)
        let expected = "bucket \(bucket) does not exist at \(server.endpoint)"
        try await withS3Storage(configuration, createBucket: false) { storage in
            let name = ObjectName(.keys, "key-1")
            let operations: [(String, @Sendable () async throws -> Void)] = [
                ("get", { _ = try await storage.get(ObjectName(.config, "config")) }),
                ("getRange", { _ = try await storage.getRange(name, offset: 0, length: 10) }),
                ("stat", { _ = try await storage.stat(name) }),
                ("list", { _ = try await storage.list(.snapshots) }),
                ("put", { try await storage.put(name, Data("x".utf8)) }),
                ("delete", { try await storage.delete(name) }),
            ]
            for (operation, body) in operations {
                let error = await #expect(throws: LifeboatError.self, "\(operation)") { try await body() }
                #expect(error?.code == .notARepository, "\(operation): \(String(describing: error))")
                #expect(error?.message == expected, "\(operation)")
            }
        }
    }

    @Test func aStorageOnAnExistingBucketFindsObjectsWrittenByAnotherStorage() async throws {
        let server = try Moto.server()
        let bucket = uniqueBucket()
        let name = ObjectName(.locks, "lock-1")
        try await withS3Storage(try s3Configuration(server, bucket: bucket, prefix: "a")) { storage in
            try await storage.put(name, Data("held".utf8))
        }
        try await withS3Storage(try s3Configuration(server, bucket: bucket, prefix: "a"), createBucket: false) { storage async throws in
            #expect(try await storage.get(name) == Data("held".utf8))
        }
        // The prefix keeps repositories in one bucket apart.
        try await withS3Storage(try s3Configuration(server, bucket: bucket, prefix: "b"), createBucket: false) { storage async throws in
            #expect(try await storage.stat(name) == nil)
            #expect(try await storage.list(.locks).isEmpty)
        }
    }
}
