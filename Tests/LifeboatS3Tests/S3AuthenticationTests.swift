import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

@testable import LifeboatS3

/// moto with IAM authentication on: it checks every SigV4 signature, as AWS does.
///
/// moto skips authentication for the first `INITIAL_NO_AUTH_ACTION_COUNT` actions; the
/// setup spends exactly those on creating an IAM user, its access key, its policy and the bucket.
struct AuthenticatingMoto {
    let server: MotoServer
    let credentials: S3Credentials
    let bucket: String

    static func start() async throws -> AuthenticatingMoto {
        let server = try await MotoServer.start(environment: ["INITIAL_NO_AUTH_ACTION_COUNT": "4"])
        do {
            let bucket = uniqueBucket()
            let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
            let steps: [[String]] = [
                ["iam", "create-user", "--user-name", "lifeboat"],
                ["iam", "create-access-key", "--user-name", "lifeboat"],
                ["iam", "put-user-policy", "--user-name", "lifeboat", "--policy-name", "s3", "--policy-document", policy],
                ["s3api", "create-bucket", "--bucket", bucket],
            ]
            var keyOutput = ""
            for step in steps {
                let result = try await aws(server, step)
                try #require(result.status == 0, "aws \(step.joined(separator: " ")) failed: \(result.errors)")
                if step[1] == "create-access-key" { keyOutput = result.output }
            }
            let json = try JSONSerialization.jsonObject(with: Data(keyOutput.utf8)) as? [String: Any]
            let key = try #require(json?["AccessKey"] as? [String: Any], "create-access-key printed \(keyOutput)")
            let credentials = S3Credentials(
                accessKeyID: try #require(key["AccessKeyId"] as? String),
                secretAccessKey: try #require(key["SecretAccessKey"] as? String))
            return AuthenticatingMoto(server: server, credentials: credentials, bucket: bucket)
        } catch {
            server.stop()
            throw error
        }
    }
}

@Suite struct S3AuthenticationTests {
    @Test func correctSignaturesAreAcceptedForEveryRequestKind() async throws {
        let moto = try await AuthenticatingMoto.start()
        defer { moto.server.stop() }
        var configuration = try s3Configuration(moto.server, bucket: moto.bucket, credentials: moto.credentials)
        configuration.multipartThreshold = 5 << 20
        configuration.partSize = 5 << 20
        try await withS3Storage(configuration, createBucket: false) { storage in
            let big = testBytes(11 << 20, seed: 1)
            let bigName = ObjectName(.data, hexName(1))
            try await storage.put(bigName, big)
            #expect(try await storage.get(bigName) == big)
            #expect(try await storage.getRange(bigName, offset: 10, length: 5) == big.subdata(in: 10..<15))
            for index in 0..<5 {
                try await storage.put(ObjectName(.snapshots, "snapshot-\(index)"), testBytes(index, seed: UInt64(index)))
            }
            // No list here: moto 5.2 cannot verify a query holding an encoded '/' (the prefix), and
            // rejects botocore's own signature for it just the same. List signing is covered by
            // the AWS examples in S3SignerTests and by every listing on the unauthenticated server.
            #expect(try await storage.stat(ObjectName(.snapshots, "snapshot-3"))?.size == 3)
            try await storage.delete(ObjectName(.snapshots, "snapshot-3"))
            #expect(try await storage.stat(ObjectName(.snapshots, "snapshot-3")) == nil)
        }
    }

    @Test func rejectedCredentialsGiveAClearMessageWithoutSecretsAndNoRetries() async throws {
        let moto = try await AuthenticatingMoto.start()
        defer { moto.server.stop() }
        let wrongSecret = "wrong-secret-\(UInt32.random(in: 1000...9999))"
        let cases: [(String, S3Credentials, String)] = [
            (
                "wrong secret", S3Credentials(accessKeyID: moto.credentials.accessKeyID, secretAccessKey: wrongSecret),
                "SignatureDoesNotMatch"
            ),
            ("unknown key", S3Credentials(accessKeyID: "AKIAUNKNOWNUNKNOWN00", secretAccessKey: wrongSecret), "InvalidAccessKeyId"),
            (
                "user key with a session token",
                S3Credentials(
                    accessKeyID: moto.credentials.accessKeyID, secretAccessKey: moto.credentials.secretAccessKey,
                    sessionToken: "token-\(wrongSecret)"),
                "InvalidToken"
            ),
        ]
        for (label, credentials, code) in cases {
            let configuration = try s3Configuration(moto.server, bucket: moto.bucket, credentials: credentials)
            try await withS3Storage(configuration, createBucket: false) { storage in
                let error = await #expect(throws: LifeboatError.self, "\(label)") {
                    _ = try await storage.get(ObjectName(.config, "config"))
                }
                #expect(error?.code == .invalidArgument, "\(label)")
                let message = error?.message ?? ""
                #expect(
                    message.hasPrefix(
                        "S3 rejected the credentials (access key \(credentials.accessKeyID)) for bucket \(moto.bucket) at \(moto.server.endpoint): \(code)"
                    ),
                    "\(label): \(message)")
                #expect(!message.contains(wrongSecret) && !message.contains(moto.credentials.secretAccessKey), "\(label): \(message)")
                #expect(storage.client.state.requestCount == 1, "\(label): a rejected request must not be retried")

                // HEAD answers have no body to name the reason, but the rejection must still be clear.
                let statError = await #expect(throws: LifeboatError.self) { _ = try await storage.stat(ObjectName(.keys, "k")) }
                #expect(statError?.code == .invalidArgument, "\(label): \(String(describing: statError))")
                #expect(statError?.message.contains("bucket \(moto.bucket) at \(moto.server.endpoint)") == true, "\(label)")
                let listError = await #expect(throws: LifeboatError.self) { _ = try await storage.list(.keys) }
                #expect(listError?.message.contains(code) == true, "\(label): \(String(describing: listError))")
            }
        }
    }
}
