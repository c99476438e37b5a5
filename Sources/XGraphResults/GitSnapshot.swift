import Foundation
import CGit2
import XGraphCore
import XGraphStore

/// The files of one commit, read from git's objects through libgit2, never from the work tree
/// and never by running `git`: `xgraph diff FILE A B` resolves each side through the experiment
/// file and the code as they were at that commit (docs/results-schema.md, "diff").
///
/// Paths are absolute paths of the work tree (where the build at that commit read them); a path
/// outside the work tree, or one the commit does not hold (ignored, untracked, added later),
/// has no entry, and the caller decides what stands in for it.
public final class GitSnapshot: @unchecked Sendable {
    /// The full id of the commit.
    public let commit: String
    /// The top of the work tree, links resolved, without a trailing slash.
    public let workTree: String
    private let repo: GitRepository
    private let tree: OpaquePointer

    /// The commit `revision` names (`HEAD~1`, a branch, a hash prefix) in the repository around
    /// `path`; nil outside a repository, in a bare one, or when it names no commit.
    public init?(at path: String, revision: String) {
        guard let repo = GitRepository(discoveringFrom: path), let w = git_repository_workdir(repo.pointer) else { return nil }
        var object: OpaquePointer?
        guard git_revparse_single(&object, repo.pointer, revision) == 0, let object else { return nil }
        defer { git_object_free(object) }
        var commitObject: OpaquePointer?
        guard git_object_peel(&commitObject, object, GIT_OBJECT_COMMIT) == 0, let commitObject else { return nil }
        defer { git_object_free(commitObject) }
        var tree: OpaquePointer?
        guard git_commit_tree(&tree, commitObject) == 0, let tree else { return nil }
        self.repo = repo
        self.tree = tree
        commit = GitRepository.hex(git_object_id(commitObject))
        workTree = Self.resolved(String(cString: w))
    }

    deinit { git_tree_free(tree) }

    /// What the commit holds at a path.
    public enum Entry: Equatable, Sendable {
        case file(Data, executable: Bool)
        case link(target: String)
        case folder
    }

    /// The entry at `path` (absolute), or nil when the commit has nothing there.
    public func entry(at path: String) -> Entry? {
        guard let rel = relative(path) else { return nil }
        if rel.isEmpty { return .folder }
        var e: OpaquePointer?
        guard git_tree_entry_bypath(&e, tree, rel) == 0, let e else { return nil }
        defer { git_tree_entry_free(e) }
        return read(e)
    }

    /// The bytes of the file at `path` (absolute) in the commit; nil for anything else.
    public func contents(of path: String) -> Data? {
        if case .file(let data, _)? = entry(at: path) { return data }
        return nil
    }

    /// The digest a build gives the `code:` path at this commit: a file's content digest, or a
    /// folder's tree digest (`TreeManifest`) over the files, folders and links git holds under
    /// it; nil when the commit holds nothing there. A folder's untracked files (a
    /// `__pycache__`) were part of the digest of a build in the work tree, and are not here.
    public func codeDigest(of path: String) -> Digest? {
        guard let entry = entry(at: path) else { return nil }
        switch entry {
        case .file(let data, _): return Digest.of(data)
        case .link(let target):
            // A build follows a link to what it names; resolve it in the commit the same way.
            let base = (path as NSString).deletingLastPathComponent
            let next = target.hasPrefix("/") ? target : base + "/" + target
            return next == path ? nil : codeDigest(of: (next as NSString).standardizingPath)
        case .folder:
            guard let rel = relative(path) else { return nil }
            var entries: [TreeEntry] = []
            guard collect(rel, prefix: "", into: &entries) else { return nil }
            return TreeManifest(entries: entries).digest
        }
    }

    /// The work tree's relative path of `path`, "" for the top; nil outside the work tree.
    private func relative(_ path: String) -> String? {
        let real = Self.resolved(path)
        if real == workTree { return "" }
        guard real.hasPrefix(workTree + "/") else { return nil }
        return String(real.dropFirst(workTree.count + 1))
    }

    private func read(_ e: OpaquePointer) -> Entry? {
        switch git_tree_entry_type(e) {
        case GIT_OBJECT_TREE: return .folder
        case GIT_OBJECT_BLOB:
            var blob: OpaquePointer?
            guard git_blob_lookup(&blob, repo.pointer, git_tree_entry_id(e)) == 0, let blob else { return nil }
            defer { git_blob_free(blob) }
            let size = Int(clamping: git_blob_rawsize(blob))
            let data = git_blob_rawcontent(blob).map { Data(bytes: $0, count: size) } ?? Data()
            let mode = git_tree_entry_filemode(e)
            if mode == GIT_FILEMODE_LINK { return .link(target: String(decoding: data, as: UTF8.self)) }
            return .file(data, executable: mode == GIT_FILEMODE_BLOB_EXECUTABLE)
        default:
            // A submodule (a commit entry): its files are another repository's.
            return nil
        }
    }

    /// The entries under the folder `root` (relative to the work tree), named relative to it.
    private func collect(_ root: String, prefix: String, into entries: inout [TreeEntry]) -> Bool {
        let rel = prefix.isEmpty ? root : root.isEmpty ? prefix : root + "/" + prefix
        if rel.isEmpty { return walk(tree, root: root, prefix: prefix, into: &entries) }
        var e: OpaquePointer?
        guard git_tree_entry_bypath(&e, tree, rel) == 0, let e else { return false }
        defer { git_tree_entry_free(e) }
        var sub: OpaquePointer?
        guard git_tree_lookup(&sub, repo.pointer, git_tree_entry_id(e)) == 0, let sub else { return false }
        defer { git_tree_free(sub) }
        return walk(sub, root: root, prefix: prefix, into: &entries)
    }

    private func walk(_ t: OpaquePointer, root: String, prefix: String, into entries: inout [TreeEntry]) -> Bool {
        for i in 0..<git_tree_entrycount(t) {
            guard let e = git_tree_entry_byindex(t, i) else { continue }
            let name = String(cString: git_tree_entry_name(e))
            let path = prefix.isEmpty ? name : prefix + "/" + name
            // Stores are left out of code digests, as a build leaves them out.
            let onDisk = workTree + "/" + (root.isEmpty ? "" : root + "/") + path
            if name == ".git" || Store.isStoreFolder(onDisk) { continue }
            switch read(e) {
            case .folder?:
                entries.append(.directory(path))
                guard collect(root, prefix: path, into: &entries) else { return false }
            case .file(let data, let executable)?:
                entries.append(.file(path, digest: Digest.of(data), executable: executable, size: Int64(data.count)))
            case .link(let target)?:
                entries.append(.link(path, target: target))
            case nil:
                continue
            }
        }
        return true
    }

    private static func resolved(_ path: String) -> String {
        var p = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
