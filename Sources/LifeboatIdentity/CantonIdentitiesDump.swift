import Foundation
import LifeboatCore

/// A Splice `NodeIdentitiesDump` checked field by field: `id`, `keys`, and the topology snapshot in either form.
///
/// Current validators send `authorizedStoreSnapshot` (base64); older ones send `bootstrapTxs`
/// (a list of base64 topology transactions). Each key is `{keyPair: base64, name?}` or, for
/// KMS keys, `{type: signing|encryption, keyId, name?}`.
enum CantonIdentitiesDump {
    /// Validates a dump body and turns it into keys; `origin` names the endpoint in messages.
    static func parse(_ body: [UInt8], origin: String) throws -> CollectedIdentity {
        guard let object = IdentityHTTP.jsonObject(body) else {
            throw LifeboatError(.corrupted, "the identities endpoint \(origin) answered 200 but the body is not a JSON object")
        }
        guard let id = object["id"] as? String, !id.isEmpty else {
            throw LifeboatError(.corrupted, "the identities dump from \(origin) has no participant \"id\"")
        }
        guard let rawKeys = object["keys"] as? [Any] else {
            throw LifeboatError(.corrupted, "the identities dump from \(origin) for \(id) has no \"keys\" list")
        }
        guard !rawKeys.isEmpty else {
            throw LifeboatError(
                .corrupted, "the identities dump from \(origin) for \(id) has an empty \"keys\" list; refusing to store a dump without keys"
            )
        }
        var keys: [IdentityKey] = []
        for (index, raw) in rawKeys.enumerated() {
            keys.append(try key(raw, index: index, id: id, origin: origin))
        }
        let form = try snapshotForm(object, id: id, origin: origin)
        return CollectedIdentity(
            source: origin, keys: keys, cantonID: id, cantonForm: form, cantonDump: String(decoding: body, as: UTF8.self))
    }

    /// One entry of `keys`.
    private static func key(_ raw: Any, index: Int, id: String, origin: String) throws -> IdentityKey {
        let label = "key \(index + 1)"
        guard let entry = raw as? [String: Any] else {
            throw LifeboatError(.corrupted, "\(label) of the identities dump for \(id) is not a JSON object")
        }
        let name = entry["name"] as? String
        let described = name.map { "\(label) (\($0))" } ?? label
        if let keyPair = entry["keyPair"] {
            guard let text = keyPair as? String, let bytes = Data(base64Encoded: text), !bytes.isEmpty else {
                throw LifeboatError(
                    .corrupted, "\(described) of the identities dump for \(id) has a keyPair that is not non-empty base64")
            }
            return IdentityKey(
                name: name ?? "key-\(index + 1)", format: .cantonKeyPair, material: text,
                fingerprint: CantonKeyPair.fingerprint(Array(bytes)))
        }
        if let type = entry["type"] as? String {
            guard type == "signing" || type == "encryption" else {
                throw LifeboatError(
                    .corrupted, "\(described) of the identities dump for \(id) has type \"\(type)\"; expected signing or encryption")
            }
            guard let keyID = entry["keyId"] as? String, !keyID.isEmpty else {
                throw LifeboatError(.corrupted, "\(described) of the identities dump for \(id) is a KMS key without a keyId")
            }
            return IdentityKey(name: name ?? keyID, format: .cantonKMS, kmsType: type, keyID: keyID)
        }
        throw LifeboatError(
            .corrupted, "\(described) of the identities dump for \(id) has neither a keyPair nor a KMS type and keyId")
    }

    /// Which snapshot form the dump carries, checked for base64.
    private static func snapshotForm(_ object: [String: Any], id: String, origin: String) throws -> String {
        if let snapshot = object["authorizedStoreSnapshot"] {
            guard let text = snapshot as? String, Data(base64Encoded: text) != nil else {
                throw LifeboatError(.corrupted, "the identities dump for \(id) has an authorizedStoreSnapshot that is not base64")
            }
            return "authorizedStoreSnapshot"
        }
        if let transactions = object["bootstrapTxs"] {
            guard let list = transactions as? [Any],
                list.allSatisfy({ ($0 as? String).flatMap { Data(base64Encoded: $0) } != nil })
            else {
                throw LifeboatError(.corrupted, "the identities dump for \(id) has bootstrapTxs that are not a list of base64 strings")
            }
            return "bootstrapTxs"
        }
        throw LifeboatError(
            .corrupted, "the identities dump from \(origin) for \(id) has neither authorizedStoreSnapshot nor bootstrapTxs")
    }
}
