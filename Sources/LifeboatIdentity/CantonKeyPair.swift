import Crypto
import LifeboatCore

/// The public half of a Canton `keyPair` (a serialized `CryptoKeyPair` protobuf), found by walking the wire format.
///
/// Canton exports a key pair as an optionally version-wrapped `CryptoKeyPair`
/// (`oneof {signing_key_pair = 1; encryption_key_pair = 2}`), whose pair message holds
/// `public_key = 1` and `private_key = 2`. Only field numbers and lengths are read, never
/// field contents, so the walk cannot leak or misinterpret private bytes.
enum CantonKeyPair {
    /// The bytes of the public key message, or nil if the bytes do not have that shape.
    static func publicPart(_ bytes: [UInt8]) -> [UInt8]? {
        guard var fields = Self.fields(bytes[...]) else { return nil }
        // UntypedVersionedMessage: {bytes data = 1; int32 version = 2}.
        if fields.count == 2, fields[0].number == 1, fields[0].bytes != nil, fields[1].number == 2, fields[1].bytes == nil,
            let data = fields[0].bytes, let inner = Self.fields(data)
        {
            fields = inner
        }
        guard fields.count == 1, let pair = fields[0].bytes, [1, 2].contains(fields[0].number),
            let pairFields = Self.fields(pair),
            let publicKey = pairFields.first(where: { $0.number == 1 })?.bytes, !publicKey.isEmpty,
            pairFields.contains(where: { $0.number == 2 && $0.bytes != nil })
        else { return nil }
        return Array(publicKey)
    }

    /// The SHA-256 of the public part, lowercase hex, or nil when it cannot be found.
    static func fingerprint(_ bytes: [UInt8]) -> String? {
        publicPart(bytes).map { Hex.encode(SHA256.hash(data: $0)) }
    }

    /// One protobuf field: its number and, for length-delimited fields, its bytes.
    struct Field {
        var number: Int
        var bytes: ArraySlice<UInt8>?
    }

    /// The fields of one message, or nil if the bytes are not a well-formed protobuf message.
    static func fields(_ input: ArraySlice<UInt8>) -> [Field]? {
        var rest = input
        var out: [Field] = []
        while !rest.isEmpty {
            guard let key = varint(&rest), key >> 3 > 0 else { return nil }
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: guard varint(&rest) != nil else { return nil }; out.append(Field(number: number, bytes: nil))
            case 1: guard rest.count >= 8 else { return nil }; rest = rest.dropFirst(8); out.append(Field(number: number))
            case 5: guard rest.count >= 4 else { return nil }; rest = rest.dropFirst(4); out.append(Field(number: number))
            case 2:
                guard let length = varint(&rest), length <= UInt64(rest.count) else { return nil }
                out.append(Field(number: number, bytes: rest.prefix(Int(length))))
                rest = rest.dropFirst(Int(length))
            default: return nil
            }
        }
        return out
    }

    /// Reads one base-128 varint.
    private static func varint(_ rest: inout ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard let byte = rest.popFirst() else { return nil }
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }
}

extension CantonKeyPair.Field {
    /// A field without bytes (varint or fixed width).
    init(number: Int) { self.init(number: number, bytes: nil) }
}
