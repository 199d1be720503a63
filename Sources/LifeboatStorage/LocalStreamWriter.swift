import Foundation
import LifeboatCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Streams a new `data` object into a temporary file in the repository's `data` folder,
/// in aligned pieces written past the page cache (``DirectIO``) on the storage's I/O
/// threads while the caller fills the next piece, then renames it into place.
///
/// A backup's pack thus costs two 1 MiB buffers instead of the whole pack in memory and
/// a copy of it, and the pack is on disk moments after its last frame. The temporary file
/// is a `.tmp-` file like every other write in flight: never listed, deleted on failure
/// or by ``LocalStorage/removeStaleTemporaryFiles(olderThan:)`` after a crash.
final class LocalStreamWriter: ObjectStreamWriter, @unchecked Sendable {
    // Unchecked: one task uses a writer at a time (the protocol's rule); the write tasks
    // only touch the descriptor (positional writes) and the piece they were handed.
    private let storage: LocalStorage
    /// Shared with the write tasks, so it closes only after the last write returns.
    private let file: Descriptor
    private let temporary: String
    private let direct: Bool
    private var piece: UnsafeMutableRawPointer?
    private var fill = 0
    private var submitted = 0
    private var writes: [Task<Void, any Error>] = []
    private var open = true
    private(set) var count = 0

    /// Pieces written while the caller fills the next one.
    static let writesInFlight = 1
    private static let pieceSize = DirectIO.bounceSize

    init(storage: LocalStorage) throws {
        self.storage = storage
        let directory = storage.root + "/" + ObjectKind.data.rawValue
        let (descriptor, temporary) = try storage.createTemporaryFile(in: directory, for: "a pack")
        self.temporary = temporary
        file = Descriptor(descriptor)
        direct = DirectIO.enable(descriptor)
    }

    deinit {
        if let piece { DirectIO.give(piece) }
        // Writes still in flight hold the descriptor; the file goes when they are done.
        if open { unlink(temporary) }
    }

    func write(_ bytes: Data) async throws {
        precondition(open, "write after commit or abandon")
        var done = 0
        while done < bytes.count {
            let target = piece ?? DirectIO.take()
            piece = target
            let n = Swift.min(Self.pieceSize - fill, bytes.count - done)
            bytes.withUnsafeBytes { source in
                guard let base = source.baseAddress else { return }
                (target + fill).copyMemory(from: base + done, byteCount: n)
            }
            fill += n
            done += n
            count += n
            if fill == Self.pieceSize { try await submit() }
        }
    }

    /// Hands the current piece to an I/O thread, first waiting for the oldest write when
    /// enough are in flight.
    private func submit() async throws {
        guard let full = piece, fill > 0 else { return }
        piece = nil
        let length = fill
        let offset = submitted
        fill = 0
        submitted += length
        while writes.count >= Self.writesInFlight { try await writes.removeFirst().value }
        let file = file
        let direct = direct
        let storage = storage
        let temporary = temporary
        let address = UInt(bitPattern: full)
        writes.append(
            Task {
                try await LocalStorage.offload {
                    guard let buffer = UnsafeMutableRawPointer(bitPattern: address) else { return }
                    defer { DirectIO.give(buffer) }
                    let code =
                        direct
                        ? DirectIO.writeAligned(file.value, buffer, length: length, at: Int64(offset))
                        : DirectIO.writePlain(file.value, buffer, length: length, at: Int64(offset))
                    if code != 0 { throw storage.writeFailure(code, "could not write", temporary, relative: "a pack") }
                }
            })
    }

    private func drain() async throws {
        var failure: (any Error)?
        while !writes.isEmpty {
            do { try await writes.removeFirst().value } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    func commit(as name: ObjectName) async throws {
        precondition(open, "commit after commit or abandon")
        do {
            try name.validate()
            guard name.kind == .data else {
                throw LifeboatError(.invalidArgument, "only data objects are streamed, not \(name.kind.rawValue)")
            }
            try await submit()
            try await drain()
            let relative = LocalStorage.relativePath(of: name)
            let target = storage.root + "/" + relative
            let directory = storage.directoryPath(of: name)
            let storage = storage
            let file = file
            let temporary = temporary
            let size = count
            let direct = direct
            try await LocalStorage.offload {
                // Direct writes padded the last piece to the alignment.
                if direct, ftruncate(file.value, off_t(size)) != 0 {
                    throw storage.writeFailure(errno, "could not truncate", temporary, relative: relative)
                }
                if rename(temporary, target) != 0 {
                    guard errno == ENOENT else {
                        throw storage.writeFailure(errno, "could not rename \(temporary) to", target, relative: relative)
                    }
                    // The fan-out folder is made on first use.
                    try LocalStorage.makeDirectories(directory, creating: relative, in: storage.root)
                    try LocalStorage.syncDirectory(storage.root + "/" + ObjectKind.data.rawValue)
                    guard rename(temporary, target) == 0 else {
                        throw storage.writeFailure(errno, "could not rename \(temporary) to", target, relative: relative)
                    }
                }
            }
            open = false
            let code = file.close()
            guard code == 0 else { throw storage.writeFailure(code, "could not close", target, relative: relative) }
            storage.pending.add(target)
        } catch {
            await abandon()
            throw error
        }
    }

    func abandon() async {
        try? await drain()
        if let piece {
            DirectIO.give(piece)
            self.piece = nil
        }
        guard open else { return }
        open = false
        _ = file.close()
        unlink(temporary)
    }
}

/// A file descriptor closed once: explicitly, or when the last holder lets go.
private final class Descriptor: Sendable {
    let value: Int32
    private let closed = Atomic<Bool>(false)

    init(_ value: Int32) { self.value = value }

    /// Closes the descriptor; returns 0 or the errno of the failure (0 when already closed).
    func close() -> Int32 {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return 0 }
        return Glibc.close(value) == 0 ? 0 : errno
    }

    deinit { _ = close() }
}
