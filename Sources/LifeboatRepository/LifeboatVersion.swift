/// The version of this build, written into every snapshot.
public enum LifeboatVersion {
    /// Semantic version of the program.
    public static let current = "0.1.0"
}
