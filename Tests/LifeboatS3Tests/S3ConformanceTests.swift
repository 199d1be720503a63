import AsyncHTTPClient
import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@testable import LifeboatS3

@Suite(.motoServer) struct S3ConformanceTests {
    @Test(arguments: StorageConformance.checks)
    func conforms(_ check: StorageConformance.Check) async throws {
        let configuration = try s3Configuration(Moto.server(), bucket: uniqueBucket())
        try await withS3Storage(configuration) { storage in
            try await check.run(on: storage)
        }
    }

    @Test func wholeSuitePassesAtTheBucketRootWithASharedHTTPClient() async throws {
        let server = try Moto.server()
        let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var storages: [S3Storage] = []
        do {
            try await StorageConformance.run {
                let storage = try S3Storage(
                    configuration: s3Configuration(server, bucket: uniqueBucket(), prefix: ""), httpClient: httpClient)
                try await storage.createBucket()
                storages.append(storage)
                return storage
            }
        } catch {
            try await httpClient.shutdown()
            throw error
        }
        // Storages given a client leave it alone: shutting them down must not shut it down.
        for storage in storages { try await storage.shutdown() }
        let probe = try S3Storage(configuration: s3Configuration(server, bucket: uniqueBucket(), prefix: ""), httpClient: httpClient)
        try await probe.createBucket()
        try await httpClient.shutdown()
        #expect(storages.count == StorageConformance.checks.count)
    }
}
