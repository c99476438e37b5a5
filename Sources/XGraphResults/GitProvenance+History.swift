import Foundation
import CGit2
import XGraphCore

extension GitProvenance {
    /// The full ids of the newest `count` commits reachable from HEAD of the repository around
    /// `path` (children before parents, then by commit time; HEAD first), or nil outside a repository or before its first commit.
    public static func recentCommits(_ count: Int, at path: String) -> [String]? {
        guard let repo = GitRepository(discoveringFrom: path) else { return nil }
        var walk: OpaquePointer?
        guard git_revwalk_new(&walk, repo.pointer) == 0, let walk else { return nil }
        defer { git_revwalk_free(walk) }
        // Topological first: commits made within one second still come newest first.
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
        guard git_revwalk_push_head(walk) == 0 else { return nil }
        var out: [String] = []
        var oid = git_oid()
        while out.count < count, git_revwalk_next(&oid, walk) == 0 {
            out.append(GitRepository.hex(&oid))
        }
        return out
    }
}
