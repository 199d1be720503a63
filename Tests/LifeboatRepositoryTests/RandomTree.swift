import Foundation
import LifeboatTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Builds and mutates random directory trees: files of many sizes (empty, tiny, several
/// chunks, repetitive and random), nested and empty directories, symlinks, odd modes.
struct RandomTree {
    var rng: SeededGenerator
    let root: String

    init(root: String, seed: UInt64) {
        self.root = root
        rng = SeededGenerator(seed: seed)
    }

    mutating func bytes(_ count: Int) -> Data {
        var out = Data(count: count)
        let repetitive = Bool.random(using: &rng)
        out.withUnsafeMutableBytes { buf in
            guard let p = buf.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
            if repetitive {
                let word = UInt8.random(in: 0...255, using: &rng)
                for i in 0..<count { p[i] = word &+ UInt8(truncatingIfNeeded: i / 97) }
            } else {
                var i = 0
                while i < count {
                    var v = rng.next()
                    for _ in 0..<8 where i < count {
                        p[i] = UInt8(truncatingIfNeeded: v)
                        v >>= 8
                        i += 1
                    }
                }
            }
        }
        return out
    }

    mutating func size() -> Int {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: return 0
        case 1...5: return Int.random(in: 1...4096, using: &rng)
        case 6...8: return Int.random(in: 4097...200_000, using: &rng)
        default: return Int.random(in: 200_001...2_500_000, using: &rng)
        }
    }

    mutating func populate(depth: Int = 0, dir: String? = nil) throws {
        let here = dir ?? root
        try FileManager.default.createDirectory(atPath: here, withIntermediateDirectories: true)
        for i in 0..<Int.random(in: 1...6, using: &rng) {
            let name = "f\(i)-\(Int.random(in: 0..<1000, using: &rng))"
            try write(here + "/" + name)
        }
        if depth < 3 {
            for i in 0..<Int.random(in: 0...3, using: &rng) {
                try populate(depth: depth + 1, dir: here + "/d\(i)")
            }
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            try FileManager.default.createDirectory(atPath: here + "/empty", withIntermediateDirectories: true)
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            symlink("../some/where-\(depth)", here + "/link")
        }
    }

    mutating func write(_ path: String) throws {
        try bytes(size()).write(to: URL(fileURLWithPath: path))
        chmod(path, [0o600, 0o644, 0o755, 0o640][Int.random(in: 0..<4, using: &rng)])
        let t = timespec(tv_sec: 1_700_000_000 + Int.random(in: 0..<10_000_000, using: &rng), tv_nsec: 0)
        utimensat(AT_FDCWD, path, [t, t], 0)
    }

    /// Changes the tree: rewrites parts of files, inserts bytes, appends, deletes and adds files.
    mutating func mutate() throws {
        let files = (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
            .filter { rel in
                var isDir: ObjCBool = false
                let p = root + "/" + rel
                return FileManager.default.fileExists(atPath: p, isDirectory: &isDir) && !isDir.boolValue
                    && (try? FileManager.default.destinationOfSymbolicLink(atPath: p)) == nil
            }.sorted()
        for rel in files where Int.random(in: 0..<3, using: &rng) == 0 {
            let path = root + "/" + rel
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !data.isEmpty:
                let at = Int.random(in: 0..<data.count, using: &rng)
                let n = min(data.count - at, Int.random(in: 1...5000, using: &rng))
                data.replaceSubrange(at..<(at + n), with: bytes(n))
            case 1:
                data.insert(
                    contentsOf: bytes(Int.random(in: 1...3000, using: &rng)),
                    at: data.isEmpty ? 0 : Int.random(in: 0..<data.count, using: &rng))
            case 2:
                data.append(bytes(Int.random(in: 1...100_000, using: &rng)))
            default:
                try FileManager.default.removeItem(atPath: path)
                continue
            }
            try data.write(to: URL(fileURLWithPath: path))
        }
        try write(root + "/added-\(Int.random(in: 0..<100_000, using: &rng))")
    }
}
