import Foundation
import CGit2
import XGraphCore

/// Reads provenance from the git repository around a folder through libgit2, never by running
/// `git`: a build calls this once, and a missing or odd `git` on PATH must not change results.
public enum GitProvenance {
    /// The commit, branch and dirty state of the repository containing `path` (parent folders are
    /// searched, as git does). Nil outside a repository, and also in a repository with no commit
    /// yet: there is no commit to tag results with, and an all-untracked tree says nothing a
    /// node's key does not already say.
    ///
    /// `diffDigest` is the SHA-256 of the patch text of HEAD's tree against the working tree
    /// (through the index), with untracked files included as new files with their content and
    /// binary changes as binary patches. The text is streamed into the hash (`git_diff_print`),
    /// byte for byte what `git_diff_to_buf` would build, so a large untracked file is not held
    /// in memory twice.
    ///
    /// Files under `ignoring` (absolute folder paths, such as the store's) count neither as
    /// changes nor in the digest: a store inside the work tree changes with every build, and
    /// would otherwise tag every result dirty even where it has no `.gitignore`.
    public static func read(at path: String, ignoring: [String] = []) -> GitInfo? {
        guard let repo = GitRepository(discoveringFrom: path) else { return nil }
        var head: OpaquePointer?
        // Fails with GIT_EUNBORNBRANCH before the first commit.
        guard git_repository_head(&head, repo.pointer) == 0, let head else { return nil }
        defer { git_reference_free(head) }
        var commit: OpaquePointer?
        guard git_reference_peel(&commit, head, GIT_OBJECT_COMMIT) == 0, let commit else { return nil }
        defer { git_object_free(commit) }
        let hex = GitRepository.hex(git_object_id(commit))
        let branch = git_repository_head_detached(repo.pointer) == 1
            ? nil : String(cString: git_reference_shorthand(head))
        // A bare repository has no working tree, so nothing in it can be uncommitted.
        guard git_repository_is_bare(repo.pointer) == 0 else {
            return GitInfo(commit: hex, branch: branch, dirty: false, diffDigest: nil)
        }
        let ignored = IgnoredFolders(repo, ignoring)
        let dirty = isDirty(repo, ignored)
        let digest = dirty ? diffDigest(repo, commit: commit, ignored) : nil
        return GitInfo(commit: hex, branch: branch, dirty: dirty, diffDigest: digest)
    }

    /// The top folder of the work tree containing `path`, or nil outside a repository (or in a
    /// bare one). It is the project root whose `cache/` is the default store.
    ///
    /// It looks for `.git` upwards rather than opening the repository: every command needs the
    /// root, and initialising libgit2 (its TLS certificates included) costs a null build
    /// milliseconds it does not need.
    public static func workTreeRoot(at path: String) -> String? {
        var dir = URL(fileURLWithPath: path).standardizedFileURL.path
        while true {
            if FileManager.default.fileExists(atPath: dir + "/.git") { return dir }
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty { return nil }
            dir = parent
        }
    }

    /// The full hex id of the commit a revision names (`HEAD~1`, a branch, a tag, a short hash),
    /// or nil when it names none in the repository containing `path`.
    public static func resolve(_ rev: String, at path: String) -> String? {
        guard let repo = GitRepository(discoveringFrom: path) else { return nil }
        var object: OpaquePointer?
        guard git_revparse_single(&object, repo.pointer, rev) == 0, let object else { return nil }
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        // Tags name tag objects; results are tagged with commits.
        guard git_object_peel(&commit, object, GIT_OBJECT_COMMIT) == 0, let commit else { return nil }
        defer { git_object_free(commit) }
        return GitRepository.hex(git_object_id(commit))
    }

    /// `git status` would list something: a staged or unstaged change, or an untracked file.
    private static func isDirty(_ repo: GitRepository, _ ignored: IgnoredFolders) -> Bool {
        var opts = git_status_options()
        git_status_options_init(&opts, UInt32(GIT_STATUS_OPTIONS_VERSION))
        opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
        var list: OpaquePointer?
        // If status cannot be read, claiming "clean" would be a lie; "dirty" is the safe answer.
        guard git_status_list_new(&list, repo.pointer, &opts) == 0, let list else { return true }
        defer { git_status_list_free(list) }
        for i in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, i) else { continue }
            let delta = entry.pointee.index_to_workdir ?? entry.pointee.head_to_index
            guard let path = delta?.pointee.new_file.path ?? delta?.pointee.old_file.path else { return true }
            if !ignored.contains(String(cString: path)) { return true }
        }
        return false
    }

    private static func diffDigest(_ repo: GitRepository, commit: OpaquePointer, _ ignored: IgnoredFolders) -> Digest? {
        var tree: OpaquePointer?
        guard git_commit_tree(&tree, commit) == 0, let tree else { return nil }
        defer { git_tree_free(tree) }
        var opts = git_diff_options()
        git_diff_options_init(&opts, UInt32(GIT_DIFF_OPTIONS_VERSION))
        opts.flags = GIT_DIFF_INCLUDE_UNTRACKED.rawValue | GIT_DIFF_SHOW_UNTRACKED_CONTENT.rawValue
            | GIT_DIFF_RECURSE_UNTRACKED_DIRS.rawValue | GIT_DIFF_SHOW_BINARY.rawValue
        // A positive answer leaves the file out of the diff.
        opts.notify_cb = { _, delta, _, payload in
            guard let delta, let payload,
                  let path = delta.pointee.new_file.path ?? delta.pointee.old_file.path else { return 0 }
            return Unmanaged<IgnoredFolders>.fromOpaque(payload).takeUnretainedValue()
                .contains(String(cString: path)) ? 1 : 0
        }
        opts.payload = Unmanaged.passUnretained(ignored).toOpaque()
        var diff: OpaquePointer?
        let made = withExtendedLifetime(ignored) {
            git_diff_tree_to_workdir_with_index(&diff, repo.pointer, tree, &opts)
        }
        guard made == 0, let diff else { return nil }
        defer { git_diff_free(diff) }
        let sink = PatchHashSink()
        let payload = Unmanaged.passUnretained(sink).toOpaque()
        let rc = withExtendedLifetime(sink) {
            git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, { _, _, line, payload in
                guard let line, let payload else { return 0 }
                let sink = Unmanaged<PatchHashSink>.fromOpaque(payload).takeUnretainedValue()
                sink.add(line.pointee)
                return 0
            }, payload)
        }
        return rc == 0 ? sink.finalize() : nil
    }
}

/// Hashes patch lines exactly as `git_diff_to_buf` joins them: content, context and deleted
/// lines keep their origin character in front; headers are their content alone.
private final class PatchHashSink {
    private var hasher = Hasher256()

    func add(_ line: git_diff_line) {
        let origin = UInt8(bitPattern: line.origin)
        if origin == UInt8(ascii: " ") || origin == UInt8(ascii: "+") || origin == UInt8(ascii: "-") {
            hasher.update([origin])
        }
        if let content = line.content, line.content_len > 0 {
            hasher.update(buffer: UnsafeRawBufferPointer(start: content, count: line.content_len))
        }
    }

    func finalize() -> Digest { hasher.finalize() }
}

/// An open libgit2 repository, freed with its owner.
final class GitRepository {
    let pointer: OpaquePointer

    /// Opens the repository containing `path`, searching parent folders like git does.
    init?(discoveringFrom path: String) {
        _ = GitRepository.libraryInitialized
        var repo: OpaquePointer?
        guard git_repository_open_ext(&repo, path, 0, nil) == 0, let repo else { return nil }
        pointer = repo
    }

    deinit { git_repository_free(pointer) }

    /// libgit2 must be initialised once per process before any other call; a lazy static is
    /// initialised exactly once even when several threads race to it.
    private static let libraryInitialized: Bool = git_libgit2_init() > 0

    static func hex(_ oid: UnsafePointer<git_oid>?) -> String {
        var buf = [CChar](repeating: 0, count: 41)  // 40 hex digits and the terminator
        git_oid_tostr(&buf, buf.count, oid)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
