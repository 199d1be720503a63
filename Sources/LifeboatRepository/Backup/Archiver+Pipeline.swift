import Foundation
import LifeboatChunking
import LifeboatCore
import LifeboatCrypto

/// The batch pipeline of a backup: a file's batches flow through reading, hashing
/// (keyed chunk ids), the dedup decision, compressing and sealing the new chunks in
/// frames, and committing them to the open pack, with several batches in flight so both
/// cores stay busy without a barrier after each batch.
///
/// Only this task touches the index, the pending set and the pack: workers hash and seal
/// bytes and hand the results back, so no state is shared and nothing is copied.
extension Archiver {
    /// What a pipeline worker hands back.
    enum StageOutput: Sendable {
        /// The next batch (nil at the end) and the batcher to read the one after from.
        case read(ChunkBatch?, any ChunkBatcher)
        /// Keyed ids of the chunks of one part of a batch, starting at chunk `first`.
        case ids(batch: Int, first: Int, [ObjectID])
        /// The sealed frames of one part of a batch's new chunks.
        case frames(batch: Int, part: Int, [SealedFrame])
        /// The file digest after a batch.
        case digest(batch: Int, StreamingSHA256)
    }

    /// New chunks of one part of a batch, compressed and sealed together.
    struct SealedFrame: Sendable {
        var sealed: Data
        /// Members in frame order: the chunk's number in the batch, its id, length and
        /// offset in the frame's plaintext.
        var members: [(chunk: Int, id: ObjectID, rawLength: Int, inner: Int)]
    }

    /// A batch between reading and committing.
    struct BatchState {
        var batch: ChunkBatch
        /// The file position (chunk number) of the batch's first chunk.
        var first = 0
        let starts: [Int]
        var ids: [ObjectID]
        var idPartsLeft: Int
        var decided = false
        var sealPartsLeft = 0
        var frames: [Int: [SealedFrame]] = [:]
    }

    /// Most plaintext bytes gathered into one frame (one chunk larger than this is a frame
    /// of its own): 32 pages of 4 KiB. zstd level 1 runs about 1.7× faster on 128 KiB than
    /// on single pages and compresses node databases 2.07× instead of 1.82×; at 132 KiB it
    /// would switch to parameters for larger inputs and lose a fifth of that speed.
    static let frameBytes = 128 << 10
    /// A placeholder for ids still being computed (all 32 bytes zero).
    static let unhashed = [UInt8](repeating: 0, count: 32).withUnsafeBytes { ObjectID(raw: $0) }

    /// Batches read but not yet committed (each about ``batchBytes``).
    static let batchesInFlight = 3

    /// Runs a file's batches through the pipeline; appends their chunk references to
    /// `list` and returns the content's SHA-256 state and size.
    func pipeline(
        _ batcher: any ChunkBatcher, relative: String, parent: ParentChunks?, list: inout ChunkListWriter, uploads: inout Uploads
    ) async throws -> (StreamingSHA256, Int64) {
        var parent = parent
        var chunksRead = 0
        var reader: (any ChunkBatcher)? = batcher
        var atEnd = false
        var batches: [Int: BatchState] = [:]
        var nextRead = 0
        var nextDecide = 0
        var nextDigest = 0
        var nextCommit = 0
        var digestInFlight = false
        var sha = StreamingSHA256()
        var size: Int64 = 0
        let key = repo.key
        let contexts = self.contexts
        try await withThrowingTaskGroup(of: StageOutput.self) { group in
            func startRead() {
                guard !atEnd, let r = reader, batches.count < Self.batchesInFlight else { return }
                reader = nil
                group.addTask {
                    var b = r
                    let next = try b.next()
                    return .read(next, b)
                }
            }
            startRead()
            while let output = try await group.next() {
                try Task.checkCancellation()
                switch output {
                case .read(let batch, let r):
                    reader = r
                    if let batch, !batch.lengths.isEmpty {
                        let number = nextRead
                        nextRead += 1
                        var state = Self.hashParts(batch, number: number, key: key, group: &group)
                        state.first = chunksRead
                        chunksRead += batch.lengths.count
                        batches[number] = state
                    } else if batch == nil {
                        atEnd = true
                    }
                case .ids(let number, let first, let ids):
                    batches[number]?.ids.replaceSubrange(first..<(first + ids.count), with: ids)
                    batches[number]?.idPartsLeft -= 1
                case .frames(let number, let part, let frames):
                    batches[number]?.frames[part] = frames
                    batches[number]?.sealPartsLeft -= 1
                case .digest(_, let state):
                    sha = state
                    nextDigest += 1
                    digestInFlight = false
                }
                // Dedup decisions in file order, so a chunk repeated in the next batch is
                // known as pending by the time that batch is decided.
                while var state = batches[nextDecide], state.idPartsLeft == 0, !state.decided {
                    state.decided = true
                    let known =
                        await parent?.ids(from: state.first, count: state.ids.count, repo: repo, index: index) ?? []
                    state.sealPartsLeft = try decide(
                        state, parentIDs: known, number: nextDecide, key: key, contexts: contexts, group: &group)
                    batches[nextDecide] = state
                    nextDecide += 1
                }
                if !digestInFlight, let state = batches[nextDigest] {
                    digestInFlight = true
                    let number = nextDigest
                    let before = sha
                    group.addTask {
                        var h = before
                        state.batch.bytes.withUnsafeBytes { h.update($0) }
                        return .digest(batch: number, h)
                    }
                }
                while var state = batches[nextCommit], state.decided, state.sealPartsLeft == 0, nextDigest > nextCommit {
                    batches[nextCommit] = nil
                    nextCommit += 1
                    try await commit(state, list: &list, uploads: &uploads)
                    size += Int64(state.batch.bytes.count)
                    doneBytes += Int64(state.batch.bytes.count)
                    report(relative)
                    BatchBuffers.shared.give(&state.batch.bytes)
                }
                startRead()
            }
        }
        guard batches.isEmpty, atEnd else {
            throw LifeboatError(.internalError, "the backup pipeline stopped with \(batches.count) batches of \(relative) unfinished")
        }
        return (sha, size)
    }

    /// Starts hashing a batch's chunks in parts.
    private static func hashParts(
        _ batch: ChunkBatch, number: Int, key: MasterKey, group: inout ThrowingTaskGroup<StageOutput, any Error>
    ) -> BatchState {
        let n = batch.lengths.count
        var starts = [Int]()
        starts.reserveCapacity(n)
        var offset = 0
        for l in batch.lengths {
            starts.append(offset)
            offset += l
        }
        let parts = Swift.min(Archiver.parts, n)
        let offsets = starts
        for part in 0..<parts {
            let range = (n * part / parts)..<(n * (part + 1) / parts)
            group.addTask {
                batch.bytes.withUnsafeBytes { buf in
                    var ids: [ObjectID] = []
                    ids.reserveCapacity(range.count)
                    for i in range {
                        ids.append(key.chunkID(UnsafeRawBufferPointer(rebasing: buf[offsets[i]..<(offsets[i] + batch.lengths[i])])))
                    }
                    return .ids(batch: number, first: range.lowerBound, ids)
                }
            }
        }
        return BatchState(batch: batch, starts: starts, ids: [ObjectID](repeating: Self.unhashed, count: n), idPartsLeft: parts)
    }

    /// Picks a batch's new chunks (not the parent's chunk at the same position, not
    /// pending, not in the index), marks them pending and starts sealing them in frames, in
    /// parts of similar size; returns the part count.
    private func decide(
        _ state: BatchState, parentIDs: [ObjectID?], number: Int, key: MasterKey, contexts: ZstdContextPool,
        group: inout ThrowingTaskGroup<StageOutput, any Error>
    ) throws -> Int {
        var fresh: [Int] = []
        var freshBytes = 0
        for (i, id) in state.ids.enumerated() {
            if i < parentIDs.count, parentIDs[i] == id { continue }
            if pendingIDs.contains(id) { continue }
            if try index.contains(id) { continue }
            pendingIDs.insert(id)
            fresh.append(i)
            freshBytes += state.batch.lengths[i]
            summary.blobsAdded += 1
            summary.bytesAdded += Int64(state.batch.lengths[i])
        }
        guard !fresh.isEmpty else { return 0 }
        // Parts of whole frames, as many as there are frames' worth up to `parts`.
        let parts = Swift.max(1, Swift.min(Self.parts, freshBytes / Self.frameBytes))
        let batch = state.batch
        let starts = state.starts
        let ids = state.ids
        for part in 0..<parts {
            let chosen = Array(fresh[(fresh.count * part / parts)..<(fresh.count * (part + 1) / parts)])
            group.addTask {
                let ctx = try contexts.take()
                defer { contexts.give(ctx) }
                let frames = try Archiver.sealFrames(batch, starts: starts, ids: ids, chosen: chosen, key: key, context: ctx)
                return .frames(batch: number, part: part, frames)
            }
        }
        return parts
    }

    /// Compresses and seals the chosen chunks of a batch, in order, in frames of about
    /// ``frameBytes``, each bound to its first member's id.
    static func sealFrames(
        _ batch: ChunkBatch, starts: [Int], ids: [ObjectID], chosen: [Int], key: MasterKey, context: ZstdContext
    ) throws -> [SealedFrame] {
        var frames: [SealedFrame] = []
        var plain: [UInt8] = []
        var members: [(chunk: Int, id: ObjectID, rawLength: Int, inner: Int)] = []
        var k = 0
        while k < chosen.count {
            // One frame's members: at most `frameBytes`, as zstd picks slower parameters
            // for anything larger (a single larger chunk is a frame of its own).
            var size = 0
            var contiguous = true
            members.removeAll(keepingCapacity: true)
            while k < chosen.count && (members.isEmpty || size + batch.lengths[chosen[k]] <= frameBytes) {
                let i = chosen[k]
                if let last = members.last, starts[last.chunk] + last.rawLength != starts[i] { contiguous = false }
                members.append((i, ids[i], batch.lengths[i], size))
                size += batch.lengths[i]
                k += 1
            }
            // New pages that follow one another (a first backup's) are compressed where
            // they lie; scattered ones are gathered first.
            let payload = batch.bytes.withUnsafeBytes { buf -> [UInt8] in
                if contiguous {
                    let start = starts[members[0].chunk]
                    return Compression.encode(UnsafeRawBufferPointer(rebasing: buf[start..<(start + size)]), context: context)
                }
                plain.removeAll(keepingCapacity: true)
                for m in members { plain.append(contentsOf: buf[starts[m.chunk]..<(starts[m.chunk] + m.rawLength)]) }
                return plain.withUnsafeBytes { Compression.encode($0, context: context) }
            }
            frames.append(SealedFrame(sealed: try key.seal(payload, binding: members[0].id), members: members))
        }
        return frames
    }

    /// Records a batch's chunk references and puts its frames in the open pack.
    private func commit(_ state: BatchState, list: inout ChunkListWriter, uploads: inout Uploads) async throws {
        for (i, id) in state.ids.enumerated() {
            try await list.append(ChunkRef(id: id, length: state.batch.lengths[i]), archiver: self, uploads: &uploads)
        }
        for part in state.frames.keys.sorted() {
            for frame in state.frames[part] ?? [] {
                try await pack.appendFrame(
                    frame.sealed,
                    members: frame.members.map { FrameMember(type: .data, id: $0.id, rawLength: $0.rawLength, inner: $0.inner) })
                if pack.size >= repo.config.packSize { try await finishPack(uploads: &uploads) }
            }
        }
    }
}
