import Foundation
import LifeboatConfig

#if canImport(Glibc)
    import Glibc
#endif

/// Where API callers may have the daemon write (restore targets, restore-kit directories) or
/// read (age identity files): inside `api.restore_roots`, and a node's restore also into
/// that node's own datadir. Anything else is answered 403 with the reason.
///
/// A path is judged by where it really leads: the part that exists is resolved with
/// `realpath(3)` (symbolic links and `..` followed as the kernel follows them), the part
/// that does not yet exist is read component by component. A root is resolved the same way.
struct RestoreRoots {
    /// The configured roots, as written.
    let configured: [String]

    init(_ api: APIConfiguration) {
        configured = api.restoreRoots
    }

    /// `path` resolved, if it lies within a root or one of `also`; else a 403 naming `field`.
    /// - Throws: ``Problem`` 422 for a relative path, 403 for one outside.
    func confine(_ path: String, field: String, what: String, also: [String] = []) throws -> String {
        guard path.hasPrefix("/") else {
            throw Problem(.unprocessableContent, "\(field): \"\(path)\" must be an absolute path", field: field)
        }
        let real = Self.resolve(path)
        let allowed = (configured + also).map(Self.resolve)
        if allowed.contains(where: { real == $0 || $0 == "/" || real.hasPrefix($0 + "/") }) { return real }
        let leads = real == path ? "" : " (it leads to \(real))"
        let rootsText =
            configured.isEmpty
            ? "no api.restore_roots are configured"
            : "the restore roots are \(configured.joined(separator: ", ")) (api.restore_roots)"
        let extra = also.isEmpty ? "" : "; this node's datadir \(also.joined(separator: ", ")) is allowed too"
        throw Problem(
            .forbidden, "\(field): \(what) \(path)\(leads) is outside the allowed directories: \(rootsText)\(extra)", field: field)
    }

    /// The real location of an absolute `path`: its longest existing prefix through
    /// `realpath`, the rest appended with `.` and `..` read as text.
    static func resolve(_ path: String) -> String {
        var existing = path
        var rest: [Substring] = []
        while true {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                var components = String(cString: real).split(separator: "/")
                for component in rest.reversed() {
                    switch component {
                    case ".": continue
                    case "..": _ = components.popLast()
                    default: components.append(component)
                    }
                }
                return "/" + components.joined(separator: "/")
            }
            guard existing != "/", let slash = existing.lastIndex(of: "/") else { return path }
            let last = existing[existing.index(after: slash)...]
            if !last.isEmpty { rest.append(last) }
            existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
        }
    }
}
