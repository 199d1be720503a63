import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage
import Logging

/// An opened repository: storage plus the master key that reads and writes it.
///
/// Terms: a *blob* is one sealed chunk or tree inside a *pack*; an *index* file says
/// which pack holds which blob; a *snapshot* manifest names a root tree and is the
/// commit point of a backup. Every object but `config` and locks is named by the
/// SHA-256 of its stored bytes.
public final class Repository: Sendable {
    /// Where the objects live.
    public let storage: any ObjectStorage
    /// The repository's settings.
    public let config: RepositoryConfig
    let key: MasterKey
    let logger: Logger
    let headerCache = PackHeaderCache()
    let frameCache = FrameCache()
    /// Set when opened with a write-only key: this host's own index files.
    let writeOnly: WriteOnlyCache?

    init(storage: any ObjectStorage, key: MasterKey, config: RepositoryConfig, logger: Logger, writeOnly: WriteOnlyCache? = nil) {
        self.storage = storage
        self.key = key
        self.config = config
        self.logger = logger
        self.writeOnly = writeOnly
    }

    /// Creates a new repository in empty storage, with one key slot for the given secret.
    public static func initialize(
        storage: any ObjectStorage, secret: Secret, logger: Logger, scryptN: Int = KeySlot.defaultScryptN
    ) async throws -> Repository {
        if try await storage.stat(ObjectName(.config, "config")) != nil {
            throw LifeboatError(.alreadyExists, "a repository already exists at \(storage.location)")
        }
        let key = MasterKey.generate()
        let config = RepositoryConfig.makeDefault(id: Hex.encode(randomBytes(16)))
        let repo = Repository(storage: storage, key: key, config: config, logger: logger)
        try await repo.addKey(secret, scryptN: scryptN)
        let plain = try JSONEncoder.lifeboat.encode(config)
        try await storage.put(ObjectName(.config, "config"), try repo.sealObject(Array(plain), compress: false))
        logger.info("initialized repository", metadata: ["repository.id": "\(config.id)"])
        return repo
    }

    /// Opens an existing repository with a password or key file.
    public static func open(storage: any ObjectStorage, secret: Secret, logger: Logger) async throws -> Repository {
        let configName = ObjectName(.config, "config")
        let sealedConfig: Data
        do {
            sealedConfig = try await storage.get(configName)
        } catch let e as LifeboatError where e.code == .notFound {
            throw LifeboatError(.notARepository, "no Lifeboat repository at \(storage.location) (config object missing)")
        }
        // keys/ is read once: for the slot the secret opens, and for write-only sessions.
        let keyObjects = try await keyObjects(storage: storage)
        let unlocked = try await unlockSlot(storage: storage, secret: secret, objects: keyObjects).key
        let plain = try openSealed(sealedConfig, key: unlocked, what: "repository config")
        let config: RepositoryConfig
        do {
            config = try JSONDecoder.lifeboat.decode(RepositoryConfig.self, from: Data(plain))
        } catch {
            throw LifeboatError(.corrupted, "repository config is damaged: \(error)")
        }
        guard RepositoryConfig.readableVersions.contains(config.version) else {
            throw LifeboatError(
                .unsupported,
                "repository format version \(config.version) is not supported by this build (it reads versions \(RepositoryConfig.readableVersions.lowerBound) to \(RepositoryConfig.readableVersions.upperBound))"
            )
        }
        // Objects written by write-only sessions open with keys derived from their records.
        let key = withSessions(unlocked, objects: keyObjects, logger: logger)
        return Repository(storage: storage, key: key, config: config, logger: logger)
    }

    // MARK: Objects

    /// Seals `[form byte] + payload` (compressed when worth it) under the master key.
    func sealObject(_ plaintext: [UInt8], compress: Bool) throws -> Data {
        let payload: [UInt8]
        if compress {
            let context = try Compression.compressionContexts.take()
            defer { Compression.compressionContexts.give(context) }
            payload = plaintext.withUnsafeBytes { Compression.encode($0, context: context) }
        } else {
            payload = [Compression.Form.raw.rawValue] + plaintext
        }
        return try key.seal(payload)
    }

    static func openSealed(_ sealed: Data, key: MasterKey, what: String) throws -> [UInt8] {
        let payload = try key.open(sealed, what: what)
        return try Compression.decode(payload, expected: nil, what: what)
    }

    /// Stores an encrypted object named by the SHA-256 of its bytes; returns that id.
    @discardableResult
    func putObject(_ kind: ObjectKind, _ plaintext: [UInt8], compress: Bool = true) async throws -> ObjectID {
        let sealed = try sealObject(plaintext, compress: compress)
        let id = Digest.sha256(sealed)
        try await storage.put(ObjectName(kind, id.hex), sealed)
        return id
    }

    /// Reads an encrypted object, checking its name against its hash before decrypting.
    func getObject(_ kind: ObjectKind, _ id: ObjectID) async throws -> [UInt8] {
        let name = ObjectName(kind, id.hex)
        let sealed = try await storage.get(name)
        guard Digest.sha256(sealed) == id else {
            throw LifeboatError(.corrupted, "\(name) is damaged: its content does not match its name (SHA-256)")
        }
        return try Self.openSealed(sealed, key: key, what: name.description)
    }

    /// Lists the ids of one kind of content-addressed object, skipping foreign names.
    func listIDs(_ kind: ObjectKind) async throws -> [ObjectID] {
        try await storage.list(kind).compactMap { ObjectID(hex: $0.name.name) }
    }

    // MARK: Index

    /// Loads every index file into a ``ChunkIndex``: keys beyond its in-memory table go to
    /// sorted runs on disk, merged into one at the end so a lookup reads one block at most.
    /// The filter is sized from the index files' sizes (an upper bound on their entry
    /// count) plus `extra`.
    ///
    /// A damaged index file does not stop readers: it is logged and skipped, and the packs
    /// no readable index file lists are indexed from their own headers instead (one pass
    /// over the pack listing, two small reads per such pack). `repair index` makes that
    /// permanent; prune refuses until then.
    func loadIndex(reserve extra: Int = 0) async throws -> ChunkIndex {
        try requireReadable("read the index")
        let (files, bound) = try await indexFiles()
        var index = ChunkIndex(capacity: bound + extra + 1024)
        var damaged = 0
        for id in files {
            let file: IndexFile
            do {
                file = try IndexFile.decode(try await getObject(.index, id), name: "index/\(id.hex)")
            } catch let e as LifeboatError where e.code == .corrupted {
                damaged += 1
                logger.warning(
                    "damaged index file skipped; its packs are indexed from their headers; run `lifeboat repair index`",
                    metadata: ["index": "\(id.hex)", "error": "\(e.message)"])
                continue
            }
            for pack in file.packs {
                for entry in pack.entries { try index.insert(entry, pack: pack.id) }
            }
        }
        if damaged > 0 {
            for (pack, reason) in try await indexUnlistedPacks(into: &index) {
                logger.warning("pack header unreadable; its blobs are not indexed", metadata: ["pack": "\(pack)", "error": "\(reason)"])
            }
        }
        try index.consolidate()
        try index.reserve(extra)
        return index
    }

    /// The index files' ids, and an upper bound on their entry count (from their sizes).
    func indexFiles() async throws -> (ids: [ObjectID], entryBound: Int) {
        let files = try await storage.list(.index).compactMap { info in ObjectID(hex: info.name.name).map { ($0, info.size) } }
        return (files.map(\.0), files.reduce(0) { $0 + $1.1 / (PackEntry.encodedSize - 4) })
    }

    // MARK: Blobs

    /// Reads, decrypts and checks one blob; the result's keyed id must equal `id`.
    func readBlob(_ id: ObjectID, index: ChunkIndex, expectedLength: Int? = nil, cacheHeader: Bool = true) async throws -> [UInt8] {
        let loc = try await locate(id, index: index, cacheHeader: cacheHeader)
        let frame: [UInt8]
        if let cached = frameCache.cached(pack: loc.pack, offset: loc.offset) {
            frame = cached
        } else {
            let sealed = try await storage.getRange(ObjectName(.data, loc.pack.hex), offset: loc.offset, length: loc.length)
            frame = try openFrame(sealed, binding: loc.binding, pack: loc.pack)
            // A frame of several blobs is read again for its next member (copy, single files).
            if cacheHeader, frame.count > loc.rawLength { frameCache.store(frame, pack: loc.pack, offset: loc.offset) }
        }
        if let expectedLength, expectedLength != loc.rawLength {
            throw LifeboatError(
                .corrupted, "blob \(id.short) in pack data/\(loc.pack.hex) is \(loc.rawLength) bytes, expected \(expectedLength)")
        }
        return Array(try member(of: frame, id: id, inner: loc.inner, rawLength: loc.rawLength, pack: loc.pack, verifyID: true))
    }

    /// Decrypts a sealed frame bound to `binding` (its first member's id) and decompresses it.
    func openFrame<Bytes: DataProtocol>(_ sealed: Bytes, binding: ObjectID, pack: ObjectID) throws -> [UInt8] {
        let what = "blob \(binding.short) in pack data/\(pack.hex)"
        let payload = try key.open(sealed, binding: binding, what: what)
        return try Compression.decode(payload, expected: nil, what: what)
    }

    /// One member's plaintext out of an opened frame; with `verifyID`, its keyed id is
    /// recomputed and must equal `id`.
    func member(of frame: [UInt8], id: ObjectID, inner: Int, rawLength: Int, pack: ObjectID, verifyID: Bool) throws -> ArraySlice<UInt8> {
        guard inner >= 0, rawLength >= 0, inner + rawLength <= frame.count else {
            throw LifeboatError(
                .corrupted, "blob \(id.short) in pack data/\(pack.hex) is damaged: it lies outside its frame (\(frame.count) bytes)")
        }
        let slice = frame[inner..<(inner + rawLength)]
        guard !verifyID || slice.withUnsafeBytes({ key.chunkID($0) }) == id else {
            throw LifeboatError(.corrupted, "blob \(id.short) in pack data/\(pack.hex) is damaged: its content does not match its id")
        }
        return slice
    }

    /// Decrypts a sealed blob alone in its frame, bound to `id`; with `verifyID`, also
    /// recomputes its keyed id.
    ///
    /// The id is authenticated with the ciphertext, so a blob that opens is the one stored
    /// under that id. Recomputing the HMAC on top guards against a bug or a rogue key
    /// holder; restore skips it for file chunks because it checks every file's SHA-256.
    func openBlob<Bytes: DataProtocol>(
        _ sealed: Bytes, id: ObjectID, pack: ObjectID, expectedLength: Int?, verifyID: Bool = true
    ) throws -> [UInt8] {
        let what = "blob \(id.short) in pack data/\(pack.hex)"
        let payload = try key.open(sealed, binding: id, what: what)
        let plain = try Compression.decode(payload, expected: expectedLength, what: what)
        guard !verifyID || key.chunkID(plain) == id else {
            throw LifeboatError(.corrupted, "\(what) is damaged: its content does not match its id")
        }
        return plain
    }

    /// Loads a directory listing.
    func loadTree(_ id: ObjectID, index: ChunkIndex) async throws -> Tree {
        let bytes = try await readBlob(id, index: index)
        do {
            return try JSONDecoder.lifeboat.decode(Tree.self, from: Data(bytes))
        } catch {
            throw LifeboatError(.corrupted, "tree \(id.short) does not decode: \(error)")
        }
    }

    /// The full chunk list of a file node, expanding chunk-list blobs.
    func chunks(of node: TreeNode, index: ChunkIndex) async throws -> [ChunkRef] {
        if let inline = node.chunks { return inline }
        var out = [ChunkRef]()
        for listID in node.chunkLists ?? [] {
            out += try ChunkList.decode(try await readBlob(listID, index: index), name: listID.short)
        }
        return out
    }

    // MARK: Snapshots

    /// Every readable snapshot, oldest first; a damaged manifest is logged and left out, so
    /// one bad object does not hide the others (prune and check read them on their own).
    public func snapshots() async throws -> [SnapshotRecord] {
        let listing = try await listSnapshots()
        for damaged in listing.damaged {
            logger.warning(
                "skipping damaged snapshot", metadata: ["snapshot": "\(damaged.id.hex)", "error": "\(damaged.reason)"])
        }
        return listing.records
    }

    /// Every snapshot manifest: the readable ones oldest first, and the damaged ones (their
    /// content does not match their name, does not decrypt or does not decode) by id.
    /// A manifest deleted between the listing and its read (a concurrent forget) is left out.
    public func listSnapshots() async throws -> SnapshotListing {
        try requireReadable("list snapshots")
        var listing = SnapshotListing()
        for id in try await listIDs(.snapshots) {
            do {
                listing.records.append(try await loadSnapshot(id))
            } catch let e as LifeboatError where e.code == .corrupted {
                listing.damaged.append(DamagedSnapshot(id: id, reason: e.message))
            } catch let e as LifeboatError where e.code == .notFound {
                continue
            }
        }
        listing.records.sort { ($0.snapshot.time, $0.id) < ($1.snapshot.time, $1.id) }
        listing.damaged.sort { $0.id < $1.id }
        return listing
    }

    /// Reads one snapshot manifest.
    public func loadSnapshot(_ id: ObjectID) async throws -> SnapshotRecord {
        let bytes = try await getObject(.snapshots, id)
        do {
            return SnapshotRecord(id: id, snapshot: try JSONDecoder.lifeboat.decode(Snapshot.self, from: Data(bytes)))
        } catch {
            throw LifeboatError(.corrupted, "snapshot \(id.short) does not decode: \(error)")
        }
    }

    /// Finds a snapshot by `latest`, a full id or a unique id prefix (at least 4 characters).
    public func findSnapshot(_ ref: String, node: String? = nil, kind: SnapshotKind? = nil) async throws -> SnapshotRecord {
        let listing = try await listSnapshots()
        let all = listing.records.filter {
            (node == nil || $0.snapshot.node == node) && (kind == nil || $0.snapshot.kind == kind)
        }
        if ref == "latest" {
            guard let last = all.last else {
                throw LifeboatError(.notFound, "repository \(storage.location) has no snapshots\(node.map { " of node \($0)" } ?? "")")
            }
            return last
        }
        let lower = ref.lowercased()
        guard lower.count >= 4, lower.allSatisfy(\.isHexDigit) else {
            throw LifeboatError(.invalidArgument, "\"\(ref)\" is not a snapshot id: give `latest` or at least 4 hex characters of an id")
        }
        let matches = all.filter { $0.id.hex.hasPrefix(lower) }
        if let damaged = listing.damaged.first(where: { $0.id.hex.hasPrefix(lower) }), matches.isEmpty {
            throw LifeboatError(.corrupted, "snapshot \(damaged.id.short) cannot be read: \(damaged.reason); run `lifeboat check`")
        }
        if matches.count > 1 {
            throw LifeboatError(
                .invalidArgument, "snapshot id prefix \"\(ref)\" is ambiguous (\(matches.count) snapshots match); give more characters")
        }
        guard let found = matches.first else {
            throw LifeboatError(.notFound, "snapshot \(ref) not found in repository \(storage.location)")
        }
        return found
    }

    /// Writes a snapshot manifest: the commit point of a backup.
    func saveSnapshot(_ snapshot: Snapshot) async throws -> ObjectID {
        try await putObject(.snapshots, Array(try JSONEncoder.lifeboat.encode(snapshot)))
    }
}

extension JSONEncoder {
    /// The encoder for everything Lifeboat stores: sorted keys, ISO 8601 dates with fractions.
    static var lifeboat: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(ISO8601.format(date))
        }
        return e
    }
}

extension JSONDecoder {
    /// The decoder matching ``JSONEncoder/lifeboat``.
    static var lifeboat: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO 8601 time: \(text)")
            }
            return date
        }
        return d
    }
}
