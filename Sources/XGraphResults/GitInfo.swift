import XGraphCore

/// The state of the source tree a run was started from: what docs/design.md §6 tags every result with.
public struct GitInfo: Sendable, Equatable {
    /// Full 40-character hex id of the commit HEAD points at.
    public var commit: String
    /// Short name of HEAD's branch (`main`); nil when HEAD is detached.
    public var branch: String?
    /// Any tracked change (staged or not) or any untracked, not ignored file.
    public var dirty: Bool
    /// SHA-256 of the uncommitted diff (see `GitProvenance`), so two dirty runs of one commit can
    /// still be told apart; nil when the tree is clean.
    public var diffDigest: Digest?

    public init(commit: String, branch: String?, dirty: Bool, diffDigest: Digest?) {
        self.commit = commit; self.branch = branch; self.dirty = dirty; self.diffDigest = diffDigest
    }
}
