import Foundation
import LifeboatCore
import LifeboatProcess
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ChildProcessTests {
    @Test func commandRunnerCollectsOutputAndStatus() async throws {
        let output = try await CommandRunner.run(
            Command("sh", ["-c", "cat; echo second; echo oops >&2; echo 'why' >&2; exit 3"]), input: "first\n")
        #expect(output.stdout == "first\nsecond\n")
        #expect(output.stderr == "oops\nwhy\n")
        #expect(output.stderrSummary == "oops / why")
        #expect(output.failure == "exited with status 3")
        #expect(output.name == "sh")
    }

    @Test func cleanExitHasNoFailure() async throws {
        let output = try await CommandRunner.run(Command("/bin/sh", ["-c", "printf ok"]))
        #expect(output.failure == nil)
        #expect(output.stdout == "ok")
    }

    @Test func commandEnvironmentIsAddedAndSecretsAreWithheld() async throws {
        setenv("LIFEBOAT_PASSWORD", "must-not-leak", 1)
        defer { unsetenv("LIFEBOAT_PASSWORD") }
        let output = try await CommandRunner.run(
            Command("sh", ["-c", "printf '%s|%s' \"$EXTRA\" \"${LIFEBOAT_PASSWORD:-unset}\""], environment: ["EXTRA": "given"]))
        #expect(output.stdout == "given|unset")
    }

    @Test func missingProgramSaysWhatToInstall() throws {
        #expect {
            _ = try ChildProcess(Command("lifeboat-no-such-program-\(getpid())"))
        } throws: { error in
            let e = error as? LifeboatError
            return e?.code == .notFound && e?.message.contains("was not found in PATH") == true
        }
        #expect(throws: LifeboatError.self) { _ = try ChildProcess(Command("/nonexistent/tool")) }
    }

    @Test func killEndsTheWholeProcessGroup() async throws {
        let child = try ChildProcess(Command("sh", ["-c", "sleep 30 & sleep 30; wait"]))
        child.kill()
        let status = await child.wait()
        #expect(ChildProcess.describe(status: status) == "was killed by signal 9")
        #expect(ChildProcess.exitCode(status: status) == 128 + 9)
    }

    @Test func writingToAChildThatStoppedReadingFailsWithoutSIGPIPE() async throws {
        let child = try ChildProcess(Command("true"), pipeStdin: true, pipeStdout: false)
        _ = await child.wait()
        #expect(throws: LifeboatError.self) {
            for _ in 0..<64 { try child.write([UInt8](repeating: 1, count: 65536)) }
        }
        child.closeStdin()
    }
}

@Suite struct LoggedProcessTests {
    @Test func outputGoesToTheLogAndStopReportsTheSignal() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-process")
        defer { dir.remove() }
        let log = dir.appending("log")
        let pid = try LoggedProcess.spawn(
            ["sh", "-c", "echo started; echo to-stderr >&2; exec sleep 30"], environment: ["PATH": "/usr/bin:/bin"], output: log)
        var waited = 0
        while (try? String(contentsOfFile: log, encoding: .utf8))?.contains("to-stderr") != true && waited < 500 {
            usleep(10_000)
            waited += 1
        }
        #expect(LoggedProcess.exitStatus(pid) == nil)
        #expect(LoggedProcess.stop(pid, signal: SIGTERM, grace: 5) == 128 + SIGTERM)
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "started\nto-stderr\n")
    }

    @Test func exitStatusOfAFinishedProcess() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-process")
        defer { dir.remove() }
        let pid = try LoggedProcess.spawn(["sh", "-c", "exit 7"], environment: ["PATH": "/usr/bin:/bin"], output: dir.appending("log"))
        var status: Int32?
        for _ in 0..<500 where status == nil {
            status = LoggedProcess.exitStatus(pid)
            if status == nil { usleep(10_000) }
        }
        #expect(status == 7)
    }

    @Test func pipeFeedsStdin() throws {
        let dir = try TemporaryDirectory(prefix: "lifeboat-process")
        defer { dir.remove() }
        let pipe = try makePipe()
        let log = dir.appending("log")
        let pid = try LoggedProcess.spawn(["cat"], environment: ["PATH": "/usr/bin:/bin"], output: log, input: pipe.read)
        close(pipe.read)
        _ = "fed through the pipe\n".withCString { write(pipe.write, $0, strlen($0)) }
        close(pipe.write)
        // cat ends at the end of its input, having copied it to the log.
        var status: Int32?
        for _ in 0..<500 where status == nil {
            status = LoggedProcess.exitStatus(pid)
            if status == nil { usleep(10_000) }
        }
        #expect(status == 0)
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "fed through the pipe\n")
    }
}
