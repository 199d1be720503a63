/// A mapping whose keys have been checked against the ones its section allows.
struct ConfigMapping {
    /// The mapping itself, for messages about the whole section.
    let node: ConfigNode
    /// The entries in file order.
    let entries: [ConfigEntry]
    /// Keys the section does not allow; already reported.
    var unknownKeys: [String] = []

    /// The value of `key`, or nil when the key is absent or has no value.
    subscript(key: String) -> ConfigNode? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        if case .null = entry.value.content { return nil }
        return entry.value
    }

    /// The keys that are present with a value, among `keys`, in the order of `keys`.
    func present(_ keys: [String]) -> [String] {
        keys.filter { self[$0] != nil }
    }
}

extension Array where Element: Hashable {
    /// The elements without repeats, first occurrence kept.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
