import Foundation
import LifeboatRepository
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Draws `[=====>    ]  45%  450 MiB / 1.0 GiB  120 MiB/s  ETA 0:05  path` on stderr.
final class ProgressBar: ProgressReporter {
    private struct State {
        var lastDraw: Double = 0
        var start: Double = 0
        var drew = false
    }
    private let state = Mutex(State())

    init() {}

    func report(_ event: ProgressEvent) {
        let now = Date().timeIntervalSince1970
        let line: String? = state.withLock { s in
            if s.start == 0 { s.start = now }
            let finished = event.bytesTotal > 0 && event.bytesDone >= event.bytesTotal
            guard now - s.lastDraw >= 0.1 || finished else { return nil }
            s.lastDraw = now
            s.drew = true
            return Self.render(event, elapsed: now - s.start)
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Ends the bar's line so later output starts on a fresh one.
    func finish() {
        if state.withLock({ $0.drew }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func render(_ e: ProgressEvent, elapsed: Double) -> String {
        let fraction = e.bytesTotal > 0 ? min(1, Double(e.bytesDone) / Double(e.bytesTotal)) : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar =
            String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
        let rate = elapsed > 0 ? Double(e.bytesDone) / elapsed : 0
        let eta = rate > 0 && e.bytesTotal > e.bytesDone ? Double(e.bytesTotal - e.bytesDone) / rate : 0
        var current = e.current ?? ""
        if current.count > 30 { current = "…" + current.suffix(29) }
        return
            "\r\u{1B}[K\(e.phase) [\(bar)] \(String(format: "%3d%%", Int(fraction * 100))) \(ByteFormat.format(e.bytesDone)) / \(ByteFormat.format(e.bytesTotal)) \(ByteFormat.format(Int64(rate)))/s ETA \(Int(eta) / 60):\(String(format: "%02d", Int(eta) % 60)) \(current)"
    }
}

/// Human-readable byte counts in binary units.
enum ByteFormat {
    static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
