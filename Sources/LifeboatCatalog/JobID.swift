/// The number of a job in one catalog: 1, 2, 3, … in creation order, never reused.
///
/// An integer rather than a UUID because people type it (`lifeboat jobs show 42`) and
/// because a catalog belongs to one daemon, so there is no second writer to collide with.
/// Ids are not stable across a rebuilt catalog: the repository's snapshot id is the
/// durable name of a backup, the job id only names a row of history.
public struct JobID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible,
    LosslessStringConvertible
{
    /// The row id in the `job` table.
    public var rawValue: Int64

    /// Wraps a row id.
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// Wraps a row id.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    /// Parses the decimal form people type; nil unless it is a positive integer.
    public init?(_ description: String) {
        guard let value = Int64(description), value > 0 else { return nil }
        rawValue = value
    }

    public var description: String { String(rawValue) }

    public static func < (a: JobID, b: JobID) -> Bool { a.rawValue < b.rawValue }
}
