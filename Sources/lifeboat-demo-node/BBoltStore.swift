import Foundation
import LifeboatCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One BBolt file owned by the demo node, used like bbolt's `DB`: one process (an exclusive
/// `flock`), one writer at a time, every commit a new meta with the next txid.
///
/// A commit writes the whole tree as a fresh image on pages the current image does not use,
/// then the meta to page `txid % 2`, so the file is a valid BBolt file at every commit point
/// and after a `kill -9`: until the new meta is complete, readers take the previous one,
/// whose pages are untouched. Pages of neither image are on the freelist. Commits are not
/// synced one by one (bbolt's `NoSync`; a whole image per commit would make each sync a
/// flush of the store): the file is synced when it is closed.
///
/// ```swift
/// let store = try BBoltStore(path: datadir + "/vdr/didstore.db")
/// try store.update { root in root[bucket: "documents"].values[key] = value }
/// let count = store.read { $0[bucket: "documents"].values.count }
/// ```
final class BBoltStore: @unchecked Sendable {
    /// The file.
    let path: String
    /// Bytes per page.
    let pageSize: Int
    private let descriptor: Int32
    private let lock = NSLock()
    private var root: BBoltBucket
    private var meta: BBoltMeta
    /// Pages of the current image (tree and freelist), kept intact by the next commit.
    private var usedPages: Set<UInt64>
    private var fileSize: Int
    private var closed = false

    /// Opens the file, creating an empty BBolt file when it is missing or empty; fails when
    /// another process holds it or it is not a valid BBolt file.
    init(path: String, pageSize: Int = BBoltLayout.defaultPageSize) throws {
        self.path = path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw LifeboatError(.io, "could not open BBolt store \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw LifeboatError(.locked, "BBolt store \(path) is open in another process; BBolt allows one process per file")
        }
        self.descriptor = descriptor
        var status = stat()
        fstat(descriptor, &status)
        fileSize = Int(status.st_size)
        if fileSize == 0 {
            self.pageSize = pageSize
            root = BBoltBucket()
            meta = BBoltMeta(pageSize: pageSize, root: 0, freelist: 0, highWater: 2, txid: 0)
            usedPages = []
            // Fully initialised here, so a failure closes the file in deinit.
            try initialize()
            return
        }
        do {
            let image = try BBoltReader(file: try Self.readAll(descriptor, size: fileSize)).read()
            root = image.root
            meta = image.meta
            usedPages = image.usedPages
            self.pageSize = image.meta.pageSize
        } catch let error as BBoltFormatError {
            let head = (try? Self.readAll(descriptor, size: 16)) ?? []
            close(descriptor)
            let hint = head.starts(with: Array("SQLite format 3".utf8)) ? " (it is a SQLite file: start with --store-format sqlite)" : ""
            throw LifeboatError(.corrupted, "\(path) is not a valid BBolt file: \(error.description)\(hint)")
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit {
        if !closed { close(descriptor) }
    }

    /// The transaction id of the current meta.
    var txid: UInt64 { lock.withLock { meta.txid } }

    /// Runs `body` on the committed tree (bbolt's `View`).
    func read<T>(_ body: (BBoltBucket) throws -> T) rethrows -> T {
        try lock.withLock { try body(root) }
    }

    /// Changes the tree and commits it as the next transaction (bbolt's `Update`); nothing
    /// changes when `body` throws.
    func update(_ body: (inout BBoltBucket) throws -> Void) throws {
        try lock.withLock {
            guard !closed else { throw LifeboatError(.io, "BBolt store \(path) is closed") }
            var tree = root
            try body(&tree)
            try commit(tree, txid: meta.txid + 1)
            root = tree
        }
    }

    /// Writes a consistent copy of the file to `output` under the write lock, as bbolt's
    /// `Tx.WriteTo` does: meta 0 with the current txid, meta 1 with the one before, then the pages.
    func copy(to output: FileHandle) throws {
        try lock.withLock {
            guard !closed else { throw LifeboatError(.io, "BBolt store \(path) is closed") }
            var previous = meta
            previous.txid = meta.txid > 0 ? meta.txid - 1 : 0
            try output.write(contentsOf: Data(meta.page(id: 0) + previous.page(id: 1)))
            let end = Int(meta.highWater) * pageSize
            var offset = 2 * pageSize
            while offset < end {
                let chunk = try Self.read(descriptor, at: offset, count: min(1 << 20, end - offset))
                try output.write(contentsOf: Data(chunk))
                offset += chunk.count
            }
        }
    }

    /// Closes the file and releases its lock; later calls fail.
    func closeFile() {
        lock.withLock {
            guard !closed else { return }
            _ = fdatasync(descriptor)
            close(descriptor)
            closed = true
        }
    }

    /// A new file, as bbolt's `init` lays it out: meta pages 0 and 1 (txid 0 and 1), then an
    /// empty root leaf and an empty freelist.
    private func initialize() throws {
        var writer = BBoltPageWriter(pageSize: pageSize, firstPage: 2)
        let rootPage = writer.writeRootBucket(root)
        let freelist = writer.writeFreelist([])
        meta = BBoltMeta(pageSize: pageSize, root: rootPage, freelist: freelist, highWater: writer.nextPage, txid: 1)
        var zero = meta
        zero.txid = 0
        try write(zero.page(id: 0) + meta.page(id: 1) + writer.bytes, at: 0)
        try sync()
        usedPages = Set(2..<writer.nextPage)
        fileSize = Int(writer.nextPage) * pageSize
    }

    /// Writes `tree` on free pages, then the meta for `txid`.
    private func commit(_ tree: BBoltBucket, txid: UInt64) throws {
        let highestUsed = usedPages.max() ?? 1
        // The image's size does not depend on where it lies; measure it once at page 2.
        var trial = BBoltPageWriter(pageSize: pageSize, firstPage: 2)
        let trialRoot = trial.writeRootBucket(tree)
        let dataPages = Int(trial.nextPage - 2)
        var freelistPages = 1
        var start: UInt64 = 2
        var highWater: UInt64 = 2
        while true {
            start = firstFit(UInt64(dataPages + freelistPages))
            highWater = max(start + UInt64(dataPages + freelistPages), highestUsed + 1)
            let freeCount = Int(highWater) - 2 - dataPages - freelistPages
            let needed = BBoltPageWriter.freelistPages(ids: freeCount, pageSize: pageSize)
            if needed <= freelistPages { break }
            freelistPages = needed
        }
        let image = start..<start + UInt64(dataPages + freelistPages)
        var writer = start == 2 ? trial : BBoltPageWriter(pageSize: pageSize, firstPage: start)
        let rootPage = start == 2 ? trialRoot : writer.writeRootBucket(tree)
        let freelist = writer.writeFreelist((2..<highWater).filter { !image.contains($0) })
        let next = BBoltMeta(pageSize: pageSize, root: rootPage, freelist: freelist, highWater: highWater, txid: txid)

        try write(writer.bytes, at: Int(start) * pageSize)
        try write(next.page(id: txid % 2), at: Int(txid % 2) * pageSize)
        // Pages past both metas' high-water marks hold nothing anyone reads.
        let keep = Int(max(highWater, meta.highWater)) * pageSize
        if fileSize > keep, ftruncate(descriptor, off_t(keep)) == 0 { fileSize = keep }
        fileSize = max(fileSize, Int(writer.nextPage) * pageSize)
        meta = next
        usedPages = Set(image)
    }

    /// The first page id from 2 on where `count` pages in a row are not used by the current image.
    private func firstFit(_ count: UInt64) -> UInt64 {
        var start: UInt64 = 2
        for used in usedPages.sorted() where used >= start {
            if used - start >= count { return start }
            start = used + 1
        }
        return start
    }

    private func write(_ bytes: [UInt8], at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let written = bytes[done...].withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset + done)) }
            guard written > 0 else {
                let code: LifeboatError.Code = errno == ENOSPC ? .noSpace : .io
                throw LifeboatError(code, "could not write BBolt store \(path): \(String(cString: strerror(errno)))")
            }
            done += written
        }
    }

    private func sync() throws {
        guard fdatasync(descriptor) == 0 else {
            throw LifeboatError(.io, "could not sync BBolt store \(path): \(String(cString: strerror(errno)))")
        }
    }

    private static func read(_ descriptor: Int32, at offset: Int, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes[done...].withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset + done)) }
            guard got > 0 else { break }
            done += got
        }
        return Array(bytes[..<done])
    }

    private static func readAll(_ descriptor: Int32, size: Int) throws -> [UInt8] {
        try read(descriptor, at: 0, count: size)
    }
}
