import LifeboatCore

extension Duration {
    /// Parses a short Go-style duration for the write interval: `200ms`, `1s`, `1.5s`, `2m`; `0` is nil (off).
    static func parseWriteInterval(_ text: String) throws -> Duration? {
        if text == "0" { return nil }
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for unit in units where text.hasSuffix(unit.suffix) {
            if let number = Double(text.dropLast(unit.suffix.count)), number >= 0 {
                return number == 0 ? nil : .milliseconds(Int64((number * unit.seconds * 1000).rounded()))
            }
        }
        throw LifeboatError(.invalidArgument, "write interval \"\(text)\" is not a duration; write e.g. 200ms, 1s or 0 (off)")
    }
}
