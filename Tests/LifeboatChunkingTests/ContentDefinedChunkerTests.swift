import LifeboatChunking
import LifeboatCore
import Testing

@Suite struct ContentDefinedChunkerTests {
    static func randomData(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        return generator.bytes(count)
    }

    static func chunks(_ data: [UInt8], _ chunker: ContentDefinedChunker) -> [[UInt8]] {
        let lengths = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
        var out: [[UInt8]] = []
        var start = 0
        for length in lengths {
            out.append(Array(data[start..<(start + length)]))
            start += length
        }
        return out
    }

    @Test func isDeterministicAcrossInstances() {
        let data = Self.randomData(6 << 20)
        let first = data.withUnsafeBytes { ContentDefinedChunker().chunkLengths(of: $0) }
        let second = data.withUnsafeBytes { ContentDefinedChunker().chunkLengths(of: $0) }
        #expect(first == second)
        #expect(first.count > 4)
        let other = Self.randomData(6 << 20, seed: 43).withUnsafeBytes { ContentDefinedChunker().chunkLengths(of: $0) }
        #expect(other != first)
    }

    struct Sizes: Sendable {
        let min: Int, average: Int, max: Int
    }

    @Test(arguments: [
        Sizes(min: 64 << 10, average: 256 << 10, max: 1 << 20), Sizes(min: 2048, average: 8192, max: 32768),
        Sizes(min: 4096, average: 6000, max: 9000),
    ])
    func respectsSizeBoundsAndCoversTheInput(sizes: Sizes) throws {
        let chunker = try ContentDefinedChunker(minSize: sizes.min, averageSize: sizes.average, maxSize: sizes.max)
        let data = Self.randomData(40 * sizes.average + 12345)
        let lengths = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
        #expect(lengths.reduce(0, +) == data.count)
        for length in lengths.dropLast() {
            #expect(length >= sizes.min && length <= sizes.max)
        }
        let last = try #require(lengths.last)
        #expect(last > 0 && last <= sizes.max)
        let mean = Double(data.count) / Double(lengths.count)
        #expect(mean > Double(sizes.average) / 2 && mean < Double(sizes.average) * 2, "mean chunk \(mean)")
    }

    @Test func cutsUniformDataAtTheMaximum() {
        let chunker = ContentDefinedChunker()
        let data = [UInt8](repeating: 0, count: (7 << 19) + 3)
        let lengths = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
        #expect(lengths.dropLast().allSatisfy { $0 == chunker.maxSize })
        #expect(lengths.reduce(0, +) == data.count)
    }

    @Test(arguments: [1, 999, 65536, 3 << 20])
    func streamingMatchesInMemoryAndReassembles(readSize: Int) throws {
        let chunker = try ContentDefinedChunker(minSize: 4096, averageSize: 16384, maxSize: 65536)
        let data = Self.randomData(readSize == 1 ? 300_000 : 3 << 20, seed: UInt64(readSize))
        let expected = data.withUnsafeBytes { chunker.chunkLengths(of: $0) }
        var position = 0
        var lengths: [Int] = []
        var joined: [UInt8] = []
        try chunker.forEachChunk(read: { buffer in
            let n = min(readSize, buffer.count, data.count - position)
            data.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + n)]))
            }
            position += n
            return n
        }) { chunk in
            lengths.append(chunk.count)
            joined.append(contentsOf: chunk)
        }
        #expect(lengths == expected)
        #expect(joined == data)
    }

    @Test func emptyInputHasNoChunks() throws {
        let chunker = ContentDefinedChunker()
        #expect([UInt8]().withUnsafeBytes { chunker.chunkLengths(of: $0) }.isEmpty)
        var calls = 0
        try chunker.forEachChunk(read: { _ in 0 }) { _ in calls += 1 }
        #expect(calls == 0)
        #expect([UInt8](repeating: 1, count: 10).withUnsafeBytes { chunker.chunkLengths(of: $0) } == [10])
    }

    @Test(arguments: [0, 1000, 70_000, 1_000_000])
    func insertionChangesOnlyNearbyChunks(insertAt offset: Int) {
        let chunker = ContentDefinedChunker()
        let original = Self.randomData(16 << 20)
        var edited = original
        edited.insert(contentsOf: Self.randomData(137, seed: 9), at: offset)
        let before = Self.chunks(original, chunker)
        let after = Self.chunks(edited, chunker)
        let known = Set(before)
        let reused = after.filter { known.contains($0) }.count
        // Only the chunk holding the insertion and perhaps its neighbour should differ.
        #expect(after.count - reused <= 3, "\(after.count - reused) of \(after.count) chunks changed")
        #expect(reused >= after.count - 3)
        #expect(after.reduce(0) { $0 + $1.count } == edited.count)
    }

    @Test func rejectsInconsistentSizes() {
        #expect(throws: LifeboatError.self) { try ContentDefinedChunker(minSize: 1024, averageSize: 512, maxSize: 4096) }
        #expect(throws: LifeboatError.self) { try ContentDefinedChunker(minSize: 16, averageSize: 512, maxSize: 4096) }
        #expect(throws: LifeboatError.self) { try ContentDefinedChunker(minSize: 1024, averageSize: 4096, maxSize: 4096) }
    }
}
