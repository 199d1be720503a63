import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A request time in the two forms SigV4 uses: `20130524T000000Z` and `20130524`.
struct S3Timestamp: Hashable, Sendable {
    /// `yyyyMMdd'T'HHmmss'Z'`, the `x-amz-date` header.
    let full: String
    /// `yyyyMMdd`, the credential scope's date.
    var day: String { String(full.prefix(8)) }

    /// The UTC time of `date`, to the second.
    init(_ date: Date) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        full =
            "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}
