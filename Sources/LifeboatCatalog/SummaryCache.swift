import Foundation
import Synchronization

/// The newest and newest Completed job of each node and kind, as ``Catalog/summaries()`` last
/// read them, dropped per pair whenever a write through this catalog changes one of that
/// pair's jobs (all of them when a write touches many). A fleet's node list then reads only
/// the pairs that changed since the last one: with 500 nodes, a handful of rows instead of a
/// thousand queries.
///
/// A version per pair guards the race of a read and a write: a result read while a write
/// to its pair happened is not kept. Another process writing the same catalog (the CLI's
/// `catalog rebuild` beside a running daemon) is seen through `job_change`, a counter that
/// triggers move on every change to a job (migration v6): each write here notes the counter
/// before and after itself, and a counter that moved in between, or that a summary finds
/// elsewhere than the last write left it, drops every pair.
final class SummaryCache: Sendable {
    struct Entry: Sendable {
        var last: Job?
        var lastCompleted: Job?
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var versions: [String: Int] = [:]
        var epoch = 0
        /// `job_change` as this process's last job write left it.
        var counter: Int64?
    }

    private let state = Mutex(State())

    static func key(_ node: String, _ kind: JobKind) -> String { node + "\u{0}" + kind.rawValue }

    /// Forgets one pair.
    func invalidate(node: String, kind: JobKind) {
        let key = Self.key(node, kind)
        state.withLock { s in
            s.entries[key] = nil
            s.versions[key, default: 0] += 1
        }
    }

    /// Forgets every pair.
    func invalidateAll() {
        state.withLock { s in
            s.entries = [:]
            s.epoch += 1
        }
    }

    /// After a write of jobs through this catalog that found `job_change` at `before` and
    /// left it at `after`: a write by someone else in between drops every pair.
    func noteWrite(before: Int64, after: Int64) {
        state.withLock { s in
            if s.counter != before {
                s.entries = [:]
                s.epoch += 1
            }
            s.counter = after
        }
    }

    /// Whether the kept pairs still hold with `job_change` at `counter`; drops them when not.
    func validate(counter: Int64) -> Bool {
        state.withLock { s in
            guard s.counter != counter else { return true }
            s.entries = [:]
            s.epoch += 1
            s.counter = counter
            return false
        }
    }

    /// The kept entries for `keys`, and the versions to hand back to ``store(_:versions:epoch:)``.
    func lookup(_ keys: [String]) -> (entries: [String: Entry], versions: [String: Int], epoch: Int) {
        state.withLock { s in
            var found: [String: Entry] = [:]
            var versions: [String: Int] = [:]
            for key in keys {
                if let entry = s.entries[key] { found[key] = entry }
                versions[key] = s.versions[key, default: 0]
            }
            return (found, versions, s.epoch)
        }
    }

    /// Keeps freshly read entries whose pair has not changed since ``lookup(_:)``.
    func store(_ read: [String: Entry], versions: [String: Int], epoch: Int) {
        state.withLock { s in
            guard s.epoch == epoch else { return }
            for (key, entry) in read where s.versions[key, default: 0] == versions[key] { s.entries[key] = entry }
        }
    }
}
