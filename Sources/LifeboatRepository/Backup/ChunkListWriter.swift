import LifeboatCore

/// Collects a file's chunk references: inline for small files, else as chunk-list
/// blobs written as they fill, so memory stays flat for huge files.
struct ChunkListWriter {
    var inline: [ChunkRef] = []
    var pending: [ChunkRef] = []
    var lists: [ObjectID] = []
    var spilled = false

    mutating func append(_ ref: ChunkRef, archiver: Archiver, uploads: inout Archiver.Uploads) async throws {
        if !spilled {
            inline.append(ref)
            if inline.count > ChunkList.inlineLimit {
                spilled = true
                pending = inline
                inline = []
            }
            return
        }
        pending.append(ref)
        if pending.count == ChunkList.entriesPerBlob {
            lists.append(try await archiver.storeBlob(type: .tree, ChunkList.encode(pending[...]), uploads: &uploads))
            pending.removeAll(keepingCapacity: true)
        }
    }

    mutating func finish(into node: inout TreeNode, archiver: Archiver, uploads: inout Archiver.Uploads) async throws {
        if !spilled {
            node.chunks = inline
            return
        }
        if !pending.isEmpty {
            lists.append(try await archiver.storeBlob(type: .tree, ChunkList.encode(pending[...]), uploads: &uploads))
        }
        node.chunkLists = lists
    }
}
