import Foundation
import LifeboatCore
import LifeboatCrypto
import LifeboatStorage

/// A key slot as `key list` shows it: never any secret material.
public struct KeySlotInfo: Sendable, Codable {
    /// The slot's object name (SHA-256 of its bytes).
    public var id: String
    /// `password` or `keyfile`.
    public var kind: String
    /// When it was added.
    public var created: Date
    /// Who added it.
    public var user: String
    /// Where it was added.
    public var host: String
    /// Whether this slot is the one that opened the repository in this run.
    public var current: Bool
}

extension Repository {
    /// Finds the key slot the secret opens and returns the master key.
    /// Finds the key slot the secret opens among `objects` (read from `keys/` when nil).
    static func unlockSlot(
        storage: any ObjectStorage, secret: Secret, objects given: [KeyObject]? = nil
    ) async throws -> (key: MasterKey, slot: String) {
        var damaged: [String] = []
        let slots: [KeyObject]
        if let given { slots = given } else { slots = try await keyObjects(storage: storage) }
        for object in slots {
            // Write-only recipients and sessions open nothing with a password.
            if object.kind == RecipientSlot.kindName || object.kind == SessionSlot.kindName { continue }
            guard object.kind != nil, let slot = try? JSONDecoder.lifeboat.decode(KeySlot.self, from: object.bytes) else {
                damaged.append(object.name.description)
                continue
            }
            let opened: MasterKey?
            switch secret {
            case .password(let p): opened = try slot.unwrap(password: p, keyFile: nil)
            case .keyFile(let k): opened = try slot.unwrap(password: nil, keyFile: k)
            }
            if let opened { return (opened, object.name.name) }
        }
        if slots.isEmpty {
            throw LifeboatError(.corrupted, "repository at \(storage.location) has no key slots (keys/ is empty)")
        }
        let what: String
        switch secret {
        case .password: what = "wrong password"
        case .keyFile: what = "the key file does not open"
        }
        if !damaged.isEmpty {
            throw LifeboatError(
                .wrongPassword, "\(what) for repository \(storage.location); damaged key slot(s): \(damaged.joined(separator: ", "))")
        }
        throw LifeboatError(.wrongPassword, "\(what) for repository \(storage.location): no key slot opened with it")
    }

    /// Adds a key slot for another password or key file; returns the slot's id.
    @discardableResult
    public func addKey(_ secret: Secret, scryptN: Int = KeySlot.defaultScryptN) async throws -> String {
        try requireReadable("add keys")
        let host = ProcessInfo.processInfo.hostName
        let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        let slot: KeySlot
        switch secret {
        case .password(let p):
            guard !p.isEmpty else { throw LifeboatError(.invalidArgument, "the password is empty") }
            slot = try KeySlot.wrap(key, password: p, scryptN: scryptN, host: host, user: user)
        case .keyFile(let k):
            guard k.count >= 16 else {
                throw LifeboatError(.invalidArgument, "the key file holds fewer than 16 bytes; generate one with `lifeboat key generate`")
            }
            slot = try KeySlot.wrap(key, keyFile: k, host: host, user: user)
        }
        let bytes = try JSONEncoder.lifeboat.encode(slot)
        let id = Digest.sha256(bytes).hex
        try await storage.put(ObjectName(.keys, id), bytes)
        return id
    }

    /// The key slots, newest last; `current` marks the one the given secret opens.
    public func listKeys(current secret: Secret) async throws -> [KeySlotInfo] {
        let currentID = try? await Self.unlockSlot(storage: storage, secret: secret).slot
        var out = [KeySlotInfo]()
        for info in try await storage.list(.keys) {
            let bytes = try await storage.get(info.name)
            switch (try? JSONDecoder.lifeboat.decode(KeyObjectKind.self, from: bytes))?.kind {
            case SessionSlot.kindName:
                continue
            case RecipientSlot.kindName:
                guard let recipient = try? JSONDecoder.lifeboat.decode(RecipientSlot.self, from: bytes) else {
                    throw LifeboatError(.corrupted, "write-only recipient \(info.name) is damaged (not a recipient record)")
                }
                out.append(
                    KeySlotInfo(
                        id: info.name.name, kind: "write-only", created: recipient.created, user: recipient.user,
                        host: recipient.host, current: false))
                continue
            default: break
            }
            guard let slot = try? JSONDecoder.lifeboat.decode(KeySlot.self, from: bytes) else {
                throw LifeboatError(.corrupted, "key slot \(info.name) is damaged (not valid JSON)")
            }
            out.append(
                KeySlotInfo(
                    id: info.name.name, kind: slot.kind.rawValue, created: slot.created, user: slot.user, host: slot.host,
                    current: info.name.name == currentID))
        }
        return out.sorted { $0.created < $1.created }
    }

    /// Removes a key slot by id or unique prefix; the last slot and the slot in use cannot be removed.
    public func removeKey(_ prefix: String, current secret: Secret) async throws -> String {
        let keys = try await listKeys(current: secret)
        let matches = keys.filter { $0.id.hasPrefix(prefix.lowercased()) }
        guard prefix.count >= 4, matches.count == 1, let victim = matches.first else {
            if matches.count > 1 { throw LifeboatError(.invalidArgument, "key id prefix \"\(prefix)\" is ambiguous") }
            throw LifeboatError(.notFound, "no key slot \(prefix) in repository \(storage.location)")
        }
        guard victim.kind != "write-only" else {
            throw LifeboatError(
                .invalidArgument,
                "key \(victim.id.prefix(8)) is the write-only recipient: the backups write-only hosts made can be read only through it")
        }
        guard keys.filter({ $0.kind != "write-only" }).count > 1 else {
            throw LifeboatError(.invalidArgument, "key \(victim.id.prefix(8)) is the only key slot; add another before removing it")
        }
        guard !victim.current else {
            throw LifeboatError(
                .invalidArgument, "key \(victim.id.prefix(8)) is the one in use; open the repository with another key to remove it")
        }
        try await storage.delete(ObjectName(.keys, victim.id))
        return victim.id
    }
}
