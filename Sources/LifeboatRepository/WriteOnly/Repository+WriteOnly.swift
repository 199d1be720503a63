import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A write-only host's record of what it wrote itself: the plaintext of its own index
/// files (blob ids and places in its packs, never content), so its next backup stores only
/// what changed. It cannot read the repository's index files; this is all it deduplicates
/// against. Entries whose pack is gone (pruned) are dropped at every backup, so a blob is
/// never assumed stored when it is not.
struct WriteOnlyCache: Sendable {
    /// `<cache directory>/write-only/<repository id>`.
    let directory: String

    /// Writes one index file's plaintext under its stored id (temporary file, rename).
    func save(_ plaintext: [UInt8], id: ObjectID) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = "\(directory)/\(id.hex)"
        let temporary = "\(directory)/.tmp-\(id.hex)"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(plaintext), attributes: [.posixPermissions: 0o600])
        else {
            throw LifeboatError(.io, "cannot write the write-only cache file \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            throw LifeboatError(.io, "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The cached index files, with the packs of each still in `stored`; files none of whose
    /// packs are stored any more are deleted.
    func load(stored: Set<ObjectID>) -> [IndexFile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var out: [IndexFile] = []
        for name in names.sorted() where ObjectID(hex: name) != nil {
            let path = "\(directory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path),
                var file = try? IndexFile.decode(Array(data), name: path)
            else {
                try? FileManager.default.removeItem(atPath: path)
                continue
            }
            file.packs = file.packs.filter { stored.contains($0.id) }
            if file.packs.isEmpty {
                try? FileManager.default.removeItem(atPath: path)
            } else {
                out.append(file)
            }
        }
        return out
    }
}

extension Repository {
    /// Whether this repository was opened with a write-only key: it can add snapshots, and
    /// cannot read, list or delete any.
    public var isWriteOnly: Bool { writeOnly != nil }

    /// Throws when this repository was opened with a write-only key.
    func requireReadable(_ what: String) throws {
        guard isWriteOnly else { return }
        throw LifeboatError(
            .unsupported,
            "a write-only key cannot \(what) in repository \(storage.location): it can only add backups; use the repository's password or key file where it is kept"
        )
    }

    /// An object under `keys/`: its name, bytes and `kind` (nil when its bytes do not match
    /// its name or are not JSON with a kind).
    typealias KeyObject = (name: ObjectName, bytes: Data, kind: String?)

    /// Every object under `keys/`, in name order.
    static func keyObjects(storage: any ObjectStorage) async throws -> [KeyObject] {
        var out: [KeyObject] = []
        for info in try await storage.list(.keys).sorted(by: { $0.name.name < $1.name.name }) {
            let bytes: Data
            do {
                bytes = try await storage.get(info.name)
            } catch let e as LifeboatError where e.code == .notFound {
                continue
            }
            let intact = Digest.sha256(bytes).hex == info.name.name
            let kind = intact ? (try? JSONDecoder.lifeboat.decode(KeyObjectKind.self, from: bytes))?.kind : nil
            out.append((info.name, bytes, kind))
        }
        return out
    }

    /// The recipients' private keys sealed in `keys/`, openable with `key`.
    static func recipients(in objects: [KeyObject], key: MasterKey) throws -> [String: RecipientKey] {
        var out: [String: RecipientKey] = [:]
        for object in objects where object.kind == RecipientSlot.kindName {
            guard let slot = try? JSONDecoder.lifeboat.decode(RecipientSlot.self, from: object.bytes) else {
                throw LifeboatError(.corrupted, "write-only recipient \(object.name) is damaged (not a recipient record)")
            }
            out[slot.publicKey] = try RecipientKey.open(sealed: slot.data, under: key, what: "write-only recipient \(object.name)")
        }
        return out
    }

    /// The master key, also opening every write-only session's objects.
    ///
    /// A damaged recipient or session costs only what it sealed (reported by `check` as
    /// frames that do not open): it is logged and left out, and the repository still opens.
    static func withSessions(_ key: MasterKey, objects: [KeyObject], logger: Logger) -> MasterKey {
        guard objects.contains(where: { $0.kind == SessionSlot.kindName }) else { return key }
        var recipients: [String: RecipientKey] = [:]
        for object in objects where object.kind == RecipientSlot.kindName {
            do {
                recipients.merge(try Self.recipients(in: [object], key: key)) { first, _ in first }
            } catch {
                logger.warning("damaged write-only recipient skipped", metadata: ["key": "\(object.name)", "error": "\(error)"])
            }
        }
        var sessions: [WriteOnlySessionKey] = []
        for object in objects where object.kind == SessionSlot.kindName {
            do {
                guard let slot = try? JSONDecoder.lifeboat.decode(SessionSlot.self, from: object.bytes) else {
                    throw LifeboatError(.corrupted, "write-only session \(object.name) is damaged (not a session record)")
                }
                guard let recipient = recipients[slot.recipient] else {
                    throw LifeboatError(.corrupted, "write-only session \(object.name) names no recipient this repository holds")
                }
                sessions.append(try recipient.sessionKey(ephemeral: slot.ephemeral, what: "write-only session \(object.name)"))
            } catch {
                logger.warning(
                    "write-only session skipped: what it wrote cannot be read",
                    metadata: ["session": "\(object.name)", "error": "\(error)"])
            }
        }
        return key.opening(sessions: sessions)
    }

    /// Makes (once) the repository's write-only recipient and returns the key file a host
    /// needs to add backups it cannot read. The repository's format version becomes 3:
    /// builds that predate write-only sessions refuse it rather than misread it.
    public func addWriteOnlyKey() async throws -> WriteOnlyKeyFile {
        try requireReadable("add keys")
        let objects = try await Self.keyObjects(storage: storage)
        let recipient: RecipientKey
        if let existing = try Self.recipients(in: objects, key: key).sorted(by: { $0.key < $1.key }).first?.value {
            recipient = existing
        } else {
            recipient = RecipientKey.generate()
            let slot = RecipientSlot(
                version: 1, kind: RecipientSlot.kindName, created: Date(), host: ProcessInfo.processInfo.hostName,
                user: ProcessInfo.processInfo.environment["USER"] ?? "unknown", publicKey: recipient.publicKey,
                data: try recipient.sealedPrivateKey(under: key))
            let bytes = try JSONEncoder.lifeboat.encode(slot)
            try await storage.put(ObjectName(.keys, Digest.sha256(bytes).hex), bytes)
        }
        var settings = config
        if settings.version < RepositoryConfig.writeOnlyVersion {
            settings.version = RepositoryConfig.writeOnlyVersion
            let plain = try JSONEncoder.lifeboat.encode(settings)
            try await storage.put(ObjectName(.config, "config"), try sealObject(Array(plain), compress: false))
            logger.info("repository format version raised for write-only sessions", metadata: ["version": "\(settings.version)"])
        }
        return WriteOnlyKeyFile(
            format: WriteOnlyKeyFile.formatName, version: 1, repository: settings.id, recipient: recipient.publicKey,
            idKey: Data(key.idKeyBytes).base64EncodedString(), config: settings)
    }

    /// Opens a repository with a write-only key: a new session is recorded under `keys/`
    /// (its ephemeral public key, no secret), and every object this run writes is sealed with
    /// the session's key, which only the recipient's private key (under the master key)
    /// derives again. `cacheDirectory` keeps this host's own index files for deduplication.
    public static func openWriteOnly(
        storage: any ObjectStorage, keyFile: WriteOnlyKeyFile, cacheDirectory: String, logger: Logger
    ) async throws -> Repository {
        guard try await storage.stat(ObjectName(.config, "config")) != nil else {
            throw LifeboatError(.notARepository, "no Lifeboat repository at \(storage.location) (config object missing)")
        }
        guard RepositoryConfig.readableVersions.contains(keyFile.config.version) else {
            throw LifeboatError(
                .unsupported,
                "the write-only key names repository format version \(keyFile.config.version), which this build does not write")
        }
        let objects = try await keyObjects(storage: storage)
        let known = objects.contains { object in
            object.kind == RecipientSlot.kindName
                && (try? JSONDecoder.lifeboat.decode(RecipientSlot.self, from: object.bytes))?.publicKey == keyFile.recipient
        }
        guard known else {
            throw LifeboatError(
                .wrongPassword,
                "the write-only key does not belong to the repository at \(storage.location): no recipient there has its public key")
        }
        guard let idKey = Data(base64Encoded: keyFile.idKey) else {
            throw LifeboatError(.invalidArgument, "the write-only key's idKey is not base64")
        }
        let session = try WriteOnlySession.start(recipient: keyFile.recipient, idKey: Array(idKey))
        let slot = SessionSlot(
            version: 1, kind: SessionSlot.kindName, created: Date(), host: ProcessInfo.processInfo.hostName,
            user: ProcessInfo.processInfo.environment["USER"] ?? "unknown", recipient: keyFile.recipient,
            ephemeral: session.ephemeral)
        let bytes = try JSONEncoder.lifeboat.encode(slot)
        // Stored before anything sealed with the session's key, so every such object can be read.
        try await storage.put(ObjectName(.keys, Digest.sha256(bytes).hex), bytes)
        logger.info("write-only session started", metadata: ["repository.id": "\(keyFile.repository)"])
        return Repository(
            storage: storage, key: session.key, config: keyFile.config, logger: logger,
            writeOnly: WriteOnlyCache(directory: "\(cacheDirectory)/write-only/\(keyFile.repository)"))
    }

    /// The index a write-only backup deduplicates against: this host's own cached index
    /// files, limited to packs still stored.
    func loadWriteOnlyIndex() async throws -> ChunkIndex {
        guard let writeOnly else { return try await loadIndex() }
        let stored = Set(try await storage.list(.data).compactMap { ObjectID(hex: $0.name.name) })
        let files = writeOnly.load(stored: stored)
        var index = ChunkIndex(capacity: files.reduce(0) { $0 + $1.entryCount } + 1024)
        for file in files {
            for pack in file.packs {
                for entry in pack.entries { try index.insert(entry, pack: pack.id) }
            }
        }
        try index.consolidate()
        return index
    }

    /// Keeps a write-only backup's index file for its next run; a failure costs only dedup.
    func rememberWrittenIndex(_ plaintext: [UInt8], id: ObjectID) {
        guard let writeOnly else { return }
        do {
            try writeOnly.save(plaintext, id: id)
        } catch {
            logger.warning(
                "cannot keep the write-only cache; the next backup stores these blobs again",
                metadata: ["error": "\(error)"])
        }
    }
}
