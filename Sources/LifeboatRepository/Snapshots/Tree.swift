import Foundation
import LifeboatCore

/// A directory listing as stored in a tree blob.
struct Tree: Codable, Sendable {
    var nodes: [TreeNode]
}
