import Foundation
import CGit2

/// Folders of a work tree that provenance leaves out, as git names paths in them: relative to
/// the top of the work tree, with a trailing slash. A folder outside the work tree has none.
final class IgnoredFolders {
    private let prefixes: [String]

    init(_ repo: GitRepository, _ folders: [String]) {
        guard !folders.isEmpty, let workdir = git_repository_workdir(repo.pointer) else {
            prefixes = []
            return
        }
        // Both sides resolved, so a link on the way to either does not hide the store.
        let top = Self.resolved(String(cString: workdir))
        prefixes = folders.compactMap { folder in
            let path = Self.resolved(folder)
            guard path.hasPrefix(top + "/") else { return nil }
            return String(path.dropFirst(top.count + 1)) + "/"
        }
    }

    /// Whether git's path (a file, or an untracked folder with a trailing slash) lies in one.
    func contains(_ path: String) -> Bool {
        prefixes.contains { path.hasPrefix($0) }
    }

    private static func resolved(_ path: String) -> String {
        var p = URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
