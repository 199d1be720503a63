import Foundation
import LifeboatCore
import LifeboatTestSupport
import Testing

@testable import LifeboatS3

@Suite struct S3CredentialsTests {
    @Test func environmentVariablesComeFirst() throws {
        let credentials = try S3Credentials.resolve(environment: [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
        ])
        #expect(credentials == S3Credentials(accessKeyID: "AKIAENV", secretAccessKey: "env-secret", sessionToken: "env-token"))
    }

    @Test(arguments: [
        (["AWS_ACCESS_KEY_ID": "AKIA"], "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"),
        (["AWS_SECRET_ACCESS_KEY": "secret"], "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"),
        (["AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials"], "/nonexistent/credentials does not exist"),
        ([:], "nor HOME is set"),
    ])
    func incompleteEnvironmentsAreExplained(environment: [String: String], reason: String) {
        let error = #expect(throws: LifeboatError.self) { try S3Credentials.resolve(environment: environment) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "")")
    }

    @Test func sharedCredentialsFileProfiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = """
            # comment
            [default]
            aws_access_key_id = AKIADEFAULT
            aws_secret_access_key = default-secret

            [work]
            aws_access_key_id=AKIAWORK
            aws_secret_access_key=work/secret+with=signs
            aws_session_token = work-token
            [broken]
            aws_access_key_id = AKIABROKEN
            """
        try file.write(toFile: directory.appending("credentials"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory.appending(".aws"), withIntermediateDirectories: true)
        try file.write(toFile: directory.appending(".aws/credentials"), atomically: true, encoding: .utf8)

        let fromHome = try S3Credentials.resolve(environment: ["HOME": directory.path])
        #expect(fromHome == S3Credentials(accessKeyID: "AKIADEFAULT", secretAccessKey: "default-secret"))
        let work = try S3Credentials.resolve(environment: [
            "AWS_SHARED_CREDENTIALS_FILE": directory.appending("credentials"), "AWS_PROFILE": "work",
        ])
        #expect(work == S3Credentials(accessKeyID: "AKIAWORK", secretAccessKey: "work/secret+with=signs", sessionToken: "work-token"))

        let missing = #expect(throws: LifeboatError.self) {
            try S3Credentials.resolve(environment: ["HOME": directory.path, "AWS_PROFILE": "nope"])
        }
        #expect(missing?.message.contains("has no profile [nope]") == true)
        let broken = #expect(throws: LifeboatError.self) {
            try S3Credentials.resolve(environment: ["HOME": directory.path, "AWS_PROFILE": "broken"])
        }
        #expect(broken?.message.contains("needs both aws_access_key_id and aws_secret_access_key") == true)
    }

    @Test func printingNeverShowsTheSecretOrToken() {
        let credentials = S3Credentials(accessKeyID: "AKIAPRINT", secretAccessKey: "very-secret-value", sessionToken: "token-value")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in ["\(credentials)", String(reflecting: credentials), String(describing: credentials), dumped] {
            #expect(text.contains("AKIAPRINT"), "\(text)")
            #expect(!text.contains("very-secret-value") && !text.contains("token-value"), "\(text)")
        }
    }
}
