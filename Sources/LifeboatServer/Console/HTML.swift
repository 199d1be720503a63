import Foundation
import LifeboatCore
import LifeboatJobs

/// HTML text escaped for use in element content and quoted attribute values.
struct HTML: Sendable, CustomStringConvertible {
    /// The markup.
    var markup: String

    /// Markup as it is (for literal tags written in this module only).
    init(raw: String) { markup = raw }

    /// Text, escaped.
    init(_ text: String) { markup = HTML.escape(text) }

    var description: String { markup }

    /// Escapes `& < > " '`.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

/// Builds markup, escaping every interpolated string unless it is already ``HTML``.
struct Markup: ExpressibleByStringInterpolation, Sendable {
    /// The markup.
    var html: HTML

    init(stringLiteral value: String) { html = HTML(raw: value) }

    init(stringInterpolation: Interpolation) { html = HTML(raw: stringInterpolation.out) }

    struct Interpolation: StringInterpolationProtocol {
        var out = ""
        init(literalCapacity: Int, interpolationCount: Int) { out.reserveCapacity(literalCapacity * 2) }
        mutating func appendLiteral(_ literal: String) { out += literal }
        mutating func appendInterpolation(_ text: String) { out += HTML.escape(text) }
        mutating func appendInterpolation(_ html: HTML) { out += html.markup }
        mutating func appendInterpolation(_ markup: Markup) { out += markup.html.markup }
        mutating func appendInterpolation(_ value: Int) { out += String(value) }
        mutating func appendInterpolation(_ value: Int64) { out += String(value) }
        mutating func appendInterpolation(_ parts: [Markup]) { out += parts.map(\.html.markup).joined() }
    }
}

/// Formatting shared by the console's pages.
enum Show {
    /// `2026-11-22 03:25 UTC`.
    static func time(_ date: Date?) -> String {
        guard let date else { return "—" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return f.string(from: date)
    }

    /// `03:25:07 UTC`: a time of day, for the steps of one job.
    static func clock(_ date: Date?) -> String {
        guard let date else { return "—" }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "HH:mm:ss 'UTC'"
        return f.string(from: date)
    }

    /// `3 h ago`, `in 5 min`.
    static func age(_ date: Date?, now: Date) -> String {
        guard let date else { return "never" }
        let seconds = now.timeIntervalSince(date)
        let text = span(abs(seconds))
        return seconds >= 0 ? "\(text) ago" : "in \(text)"
    }

    /// `42 s`, `5 min`, `3 h`, `2 d`.
    static func span(_ seconds: Double) -> String {
        switch seconds {
        case ..<60: "\(Int(seconds)) s"
        case ..<3600: "\(Int(seconds / 60)) min"
        case ..<172_800: "\(Int(seconds / 3600)) h"
        default: "\(Int(seconds / 86_400)) d"
        }
    }

    /// `1.2 s` or `—`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds else { return "—" }
        return seconds < 60 ? String(format: "%.1f s", seconds) : span(seconds)
    }

    /// A job state as a coloured badge.
    static func state(_ state: String?) -> Markup {
        guard let state else { return "<span class=\"badge\">none</span>" }
        let tone =
            switch state {
            case "Completed": "ok"
            case "Failed", "PartiallyFailed", "Cancelled": "bad"
            default: "busy"
            }
        return "<span class=\"badge \(tone)\">\(state)</span>"
    }
}
