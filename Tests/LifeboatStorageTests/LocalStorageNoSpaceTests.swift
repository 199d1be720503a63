import Foundation
import LifeboatCore
import LifeboatStorage
import LifeboatTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Fills a real, tiny tmpfs to check the ENOSPC path; needs root (CAP_SYS_ADMIN) to mount.
@Suite struct LocalStorageNoSpaceTests {
    private func randomData(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    private func temporaryFiles(under path: String) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: path))
        var found: [String] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.split(separator: "/").last?.hasPrefix(".tmp-") == true { found.append(relative) }
        }
        return found
    }

    @Test func fullDeviceThrowsNoSpaceAndLeavesNoPartialObject() async throws {
        #if os(Linux)
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let mountPoint = directory.appending("tmpfs")
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
            guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=1m,mode=0700") == 0 else {
                let reason = String(cString: strerror(errno))
                print(
                    "LocalStorageNoSpaceTests: cannot mount a 1 MiB tmpfs at \(mountPoint): \(reason); "
                        + "the ENOSPC mapping is untested here, only FaultyStorage's .noSpace is")
                // Not a skip: the suite runs as root (scripts/test, CI), where this must work.
                Issue.record("mounting a 1 MiB tmpfs failed (\(reason)); run the tests as root with CAP_SYS_ADMIN to test ENOSPC")
                return
            }
            // Declared after `directory.remove()`, so it runs first.
            defer { umount2(mountPoint, Int32(MNT_DETACH)) }

            let root = mountPoint + "/repo"
            let storage = try LocalStorage.create(at: root)
            let small = ObjectName(.data, String(repeating: "aa", count: 32))
            let smallData = randomData(256 << 10)
            try await storage.put(small, smallData)

            let big = ObjectName(.data, String(repeating: "bb", count: 32))
            let error = await #expect(throws: LifeboatError.self) { try await storage.put(big, randomData(2 << 20)) }
            #expect(error?.code == .noSpace)
            #expect(error?.message == "no space left on device while writing data/bb/\(big.name) to \(root)")
            #expect(try await storage.stat(big) == nil)
            #expect(try await storage.list(.data).map(\.name) == [small])
            #expect(try await storage.get(small) == smallData)
            #expect(try temporaryFiles(under: mountPoint) == [])

            let configError = await #expect(throws: LifeboatError.self) {
                try await storage.put(ObjectName(.config, "config"), randomData(900 << 10))
            }
            #expect(configError?.code == .noSpace)
            #expect(configError?.message.contains("while writing config to \(root)") == true)
            #expect(try await storage.list(.config).isEmpty)
            #expect(try temporaryFiles(under: mountPoint) == [])

            // A streamed pack larger than the device fails with .noSpace at a write or at its
            // commit, and abandoning it leaves nothing behind.
            let streamError = await #expect(throws: LifeboatError.self) {
                let writer = try #require(try storage.makeStreamWriter())
                do {
                    for _ in 0..<8 { try await writer.write(randomData(300 << 10)) }
                    try await writer.commit(as: big)
                } catch {
                    await writer.abandon()
                    throw error
                }
            }
            #expect(streamError?.code == .noSpace, "\(String(describing: streamError))")
            #expect(streamError?.message.contains("no space left on device while writing") == true)
            #expect(try await storage.stat(big) == nil)
            #expect(try temporaryFiles(under: mountPoint) == [])

            // The failed writes gave their space back: after freeing the small object a large one fits.
            try await storage.delete(small)
            let fits = randomData(700 << 10)
            try await storage.put(big, fits)
            #expect(try await storage.get(big) == fits)
        #else
            try Test.cancel("tmpfs mounting is Linux-only; the ENOSPC mapping is untested on this platform")
        #endif
    }
}
