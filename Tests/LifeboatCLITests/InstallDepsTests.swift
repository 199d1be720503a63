import Foundation
import LifeboatProcess
import LifeboatTestSupport
import Testing

/// `scripts/install-deps --plan` on made-up machine states: a fake `dpkg-query` first on PATH
/// says which Debian packages are installed, and `LIFEBOAT_VENV` points at a virtual
/// environment that is missing or holds stand-in tools. The plan is what the script would do.
@Suite struct InstallDepsTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/install-deps").path

    /// The packages of a fresh Debian machine that has only the Swift toolchain.
    static let bare: [String] = ["coreutils", "grep", "bash"]
    static let testPackages = [
        "libzstd-dev", "libsqlite3-dev", "sqlite3", "age", "procps", "curl", "python3", "python3-venv", "redis-server",
        "postgresql", "mariadb-server", "mariadb-client", "chromium", "chromium-driver",
    ]

    struct Machine {
        let dir: TemporaryDirectory
        var venv: String { dir.appending("venv") }

        init(installed: [String], venvTools: [String]? = nil) throws {
            dir = try TemporaryDirectory(prefix: "lifeboat-deps")
            let bin = dir.appending("bin")
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            let list = installed.joined(separator: " ")
            try Self.executable(
                bin + "/dpkg-query",
                "#!/bin/sh\n# fake: the last argument is the package\nfor p in \(list); do [ \"$p\" = \"$(eval echo \\${$#})\" ] && { printf 'install ok installed'; exit 0; }; done\nexit 1\n"
            )
            if let venvTools {
                try FileManager.default.createDirectory(atPath: venv + "/bin", withIntermediateDirectories: true)
                for tool in venvTools { try Self.executable(venv + "/bin/" + tool, "#!/bin/sh\nexit 0\n") }
            }
        }

        static func executable(_ path: String, _ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, 0o755)
        }

        func plan(_ arguments: [String] = []) async throws -> CommandOutput {
            try await CommandRunner.run(
                Command(
                    "/bin/bash", [InstallDepsTests.script] + arguments + ["--plan"],
                    environment: ["PATH": dir.appending("bin") + ":/usr/bin:/bin", "LIFEBOAT_VENV": venv]))
        }
    }

    func lines(_ output: CommandOutput) -> [String: [String]] {
        var steps: [String: [String]] = [:]
        for line in output.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            steps[String(parts[0])] = parts[1].split(separator: " ").map(String.init)
        }
        return steps
    }

    @Test func freshMachineWithoutPipGetsAVirtualEnvironment() async throws {
        let machine = try Machine(installed: Self.bare)
        defer { machine.dir.remove() }
        let output = try await machine.plan()
        #expect(output.failure == nil, "\(output.stderr)")
        let steps = lines(output)
        #expect(Set(steps["apt"] ?? []) == Set(Self.testPackages))
        #expect(steps["venv"] == [machine.venv])
        #expect(steps["pip"] == ["moto[server]", "awscli", "selenium"])
        #expect(!(steps["apt"] ?? []).contains("python3-pip"), "the system's pip is never used")
    }

    @Test func demoInstallsOnlyWhatItUses() async throws {
        let machine = try Machine(installed: Self.bare)
        defer { machine.dir.remove() }
        let steps = lines(try await machine.plan(["--for", "demo"]))
        #expect(steps["apt"] == ["libzstd-dev", "libsqlite3-dev", "curl"])
        #expect(steps["venv"] == nil)
        #expect(steps["pip"] == nil)
    }

    @Test func everythingPresentMeansNothingToInstall() async throws {
        let machine = try Machine(installed: Self.bare + Self.testPackages, venvTools: ["python3", "moto_server", "aws"])
        defer { machine.dir.remove() }
        let output = try await machine.plan()
        #expect(output.stdout == "nothing to install\n")
    }

    @Test func aVenvMissingOneToolGetsOnlyThatTool() async throws {
        let machine = try Machine(installed: Self.bare + Self.testPackages, venvTools: ["python3", "moto_server"])
        defer { machine.dir.remove() }
        let steps = lines(try await machine.plan())
        #expect(steps["apt"] == nil)
        #expect(steps["venv"] == nil)
        #expect(steps["pip"] == ["awscli"])
    }

    @Test func benchAddsTheOtherBackupTools() async throws {
        let machine = try Machine(installed: Self.bare + Self.testPackages, venvTools: ["python3", "moto_server", "aws"])
        defer { machine.dir.remove() }
        #expect(lines(try await machine.plan(["--for", "bench"]))["apt"] == ["restic", "borgbackup", "time"])
    }

    @Test func anUnknownProfileIsNamed() async throws {
        let machine = try Machine(installed: Self.bare)
        defer { machine.dir.remove() }
        let output = try await machine.plan(["--for", "desktop"])
        #expect(output.failure == "exited with status 64")
        #expect(output.stderr.contains("unknown profile 'desktop'"))
    }
}
