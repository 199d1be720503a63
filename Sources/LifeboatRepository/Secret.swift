/// What opens a key slot: a password or the bytes of a key file.
public enum Secret: Sendable {
    /// A password, stretched with scrypt.
    case password(String)
    /// The contents of a key file.
    case keyFile([UInt8])
}
