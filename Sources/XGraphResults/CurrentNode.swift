import XGraphStore

/// A node of an experiment file as the file is now, with the key it has now. `results`, `fit`
/// and `pivot` on a file show the record of exactly this key, so a newer run of an earlier spec
/// (lr changed, built, changed back) never stands in for the current one.
public struct CurrentNode: Sendable, Equatable {
    public var node: String
    public var step: String
    /// In `foreach` order, as action records list them.
    public var axes: [AxisEntry]
    /// The key's hex; nil when it cannot be known yet because an input must be (re)built first.
    public var key: String?

    public init(node: String, step: String, axes: [AxisEntry], key: String?) {
        self.node = node; self.step = step; self.axes = axes; self.key = key
    }
}

/// Why a node of the current spec has no numbers.
public enum UnbuiltStatus: String, Sendable {
    /// Runs of the node name exist, but none of its current key: they belong to an earlier
    /// spec (`--all` shows them).
    case stale
    /// No run of the node name at all.
    case neverBuilt = "never built"
}
