import LifeboatConfig
import LifeboatCore
import Testing

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:8480", "127.0.0.1", 8480),
        ("0.0.0.0:1", "0.0.0.0", 1),
        ("lifeboat.internal:65535", "lifeboat.internal", 65535),
        ("[::1]:8480", "::1", 8480),
        ("[::]:80", "::", 80),
    ])
    func valid(text: String, host: String, port: Int) throws {
        let address = try ListenAddress.parse(text)
        #expect(address == ListenAddress(host: host, port: port))
        #expect(address.description == text)
    }

    @Test(arguments: [
        ("localhost", #""localhost" needs a port, e.g. localhost:8480"#),
        ("8480", #""8480" needs a host, e.g. 127.0.0.1:8480"#),
        (":8480", #"":8480" has no host; write 0.0.0.0:8480 to listen on all interfaces"#),
        ("host:0", #""host:0" has port 0; use 1 to 65535"#),
        ("host:65536", #""host:65536" has port 65536; use 1 to 65535"#),
        ("host:http", #""host:http" has no valid port; the port must be a number from 1 to 65535"#),
        ("::1:8480", #""::1:8480" looks like an IPv6 address; put it in brackets, e.g. [::1]:8480"#),
        ("[::1]8480", #""[::1]8480" needs a port after the address, e.g. [::1]:8480"#),
        ("ho st:80", #""ho st:80" has an invalid host "ho st" (letters, digits, '.' and '-' only)"#),
    ])
    func invalid(text: String, message: String) {
        #expect {
            try ListenAddress.parse(text)
        } throws: { error in
            (error as? LifeboatError)?.message == message
        }
    }

    @Test func reportedWithTheKeyAndLine() {
        #expect(
            failure("listen: 127.0.0.1:80800\n" + minimalYAML)
                == #"lifeboat.yaml:1: listen: "127.0.0.1:80800" has port 80800; use 1 to 65535"#)
    }
}
