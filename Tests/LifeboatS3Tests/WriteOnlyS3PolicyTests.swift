import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@testable import LifeboatS3

/// The S3 policy repository-format.md gives a write-only host, on moto with IAM checks on:
/// the host adds objects and handles its lock, and S3 itself refuses it reading or deleting
/// anything else. (A whole backup is not run here: moto cannot verify the signature of a
/// listing with a prefix, see S3AuthenticationTests.)
@Suite struct WriteOnlyS3PolicyTests {
    @Test func theHostPolicyAddsButCannotReadOrDelete() async throws {
        let server = try await MotoServer.start(environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "7"])
        defer { server.stop() }
        let bucket = uniqueBucket()
        let prefix = "repo/main"
        let hostPolicy = """
            {"Version":"2012-10-17","Statement":[
             {"Effect":"Allow","Action":["s3:PutObject","s3:AbortMultipartUpload"],"Resource":"arn:aws:s3:::\(bucket)/\(prefix)/*"},
             {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::\(bucket)"},
             {"Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::\(bucket)/\(prefix)/locks/*"}]}
            """
        let adminPolicy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        var credentials: [String: S3Credentials] = [:]
        for (user, policy) in [("host", hostPolicy), ("admin", adminPolicy)] {
            #expect(try await aws(server, ["iam", "create-user", "--user-name", user]).status == 0)
            let key = try await aws(server, ["iam", "create-access-key", "--user-name", user])
            let json = try JSONSerialization.jsonObject(with: Data(key.output.utf8)) as? [String: Any]
            let access = try #require(json?["AccessKey"] as? [String: Any], "create-access-key printed \(key.output)")
            credentials[user] = S3Credentials(
                accessKeyID: try #require(access["AccessKeyId"] as? String),
                secretAccessKey: try #require(access["SecretAccessKey"] as? String))
            let put = try await aws(
                server, ["iam", "put-user-policy", "--user-name", user, "--policy-name", "lifeboat", "--policy-document", policy])
            #expect(put.status == 0, "\(put.errors)")
        }
        #expect(try await aws(server, ["s3api", "create-bucket", "--bucket", bucket]).status == 0)
        let admin = try s3Configuration(server, bucket: bucket, prefix: prefix, credentials: try #require(credentials["admin"]))
        let host = try s3Configuration(server, bucket: bucket, prefix: prefix, credentials: try #require(credentials["host"]))
        let earlier = ObjectName(.snapshots, hexName(1))
        try await withS3Storage(admin, createBucket: false) { storage in
            try await storage.put(earlier, testBytes(300, seed: 1))
            try await storage.put(ObjectName(.index, hexName(2)), testBytes(300, seed: 2))
        }
        try await withS3Storage(host, createBucket: false) { storage in
            try await storage.put(ObjectName(.data, hexName(3)), testBytes(5000, seed: 3))
            try await storage.put(ObjectName(.snapshots, hexName(4)), testBytes(300, seed: 4))
            let lock = ObjectName(.locks, "lock-host")
            try await storage.put(lock, Data(#"{"exclusive":false}"#.utf8))
            #expect(try await storage.get(lock) == Data(#"{"exclusive":false}"#.utf8))
            try await storage.delete(lock)
            for (what, call) in [
                ("read a snapshot", { _ = try await storage.get(earlier) }),
                ("read an index", { _ = try await storage.get(ObjectName(.index, hexName(2))) }),
                ("delete a snapshot", { try await storage.delete(earlier) }),
                ("delete a pack", { try await storage.delete(ObjectName(.data, hexName(3))) }),
            ] as [(String, () async throws -> Void)] {
                let error = await #expect(throws: LifeboatError.self, "\(what)") { try await call() }
                #expect(error?.message.contains("AccessDenied") == true, "\(what): \(String(describing: error))")
            }
        }
        try await withS3Storage(admin, createBucket: false) { storage in
            let kept = try await storage.get(earlier)
            #expect(kept == testBytes(300, seed: 1))
            let pack = try await storage.stat(ObjectName(.data, hexName(3)))
            #expect(pack?.size == 5000)
        }
    }
}
