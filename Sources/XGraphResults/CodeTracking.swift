import Foundation
import CGit2
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

/// Which `code:` paths hold files that the commit a run is tagged with does not pin down: files
/// git ignores (a generated config, a `.gitignore`d helper), files it does not track yet, and
/// anything outside the repository (`outside_project: true`, a link out of it). Git's dirty flag
/// sees none of the first and last, so two runs with different contents of such a file were both
/// "clean at commit X". Asked only for nodes that run, and each path once per build.
public final class CodeTracking: @unchecked Sendable {
    private let dir: String
    private let ignoring: [String]
    private let lock = NSLock()
    private var answers: [String: Bool] = [:]
    private var opened = false
    private var repo: GitRepository?
    private var workdir: String?

    /// - Parameters:
    ///   - dir: a folder inside the repository (the experiment file's).
    ///   - ignoring: folders that never count (the store's).
    public init(dir: String, ignoring: [String]) {
        self.dir = dir
        self.ignoring = ignoring.map { ($0 as NSString).resolvingSymlinksInPath }
    }

    /// True if `path` (absolute; a file or a folder, walked) holds a file git does not track
    /// as committed or staged. Outside any repository (no commit is claimed) it is false.
    public func holdsUntracked(_ path: String) -> Bool {
        lock.withLock {
            if let known = answers[path] { return known }
            if !opened {
                opened = true
                repo = GitRepository(discoveringFrom: dir)
                if let repo, let w = git_repository_workdir(repo.pointer) {
                    workdir = (String(cString: w) as NSString).resolvingSymlinksInPath
                }
            }
            let answer = check(path)
            answers[path] = answer
            return answer
        }
    }

    private func check(_ path: String) -> Bool {
        guard let repo, let workdir else { return false }
        let real = (path as NSString).resolvingSymlinksInPath
        guard real == workdir || real.hasPrefix(workdir + "/") else { return true }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: real, isDirectory: &isDir) else { return false }
        if !isDir.boolValue { return untracked(real, repo, workdir) }
        return walk(real, repo, workdir)
    }

    /// Any file under `folder` untracked or ignored, or any link leading out of the work tree.
    /// `.git` and stores are left out, as the code digest leaves them out.
    private func walk(_ folder: String, _ repo: GitRepository, _ workdir: String) -> Bool {
        if ignoring.contains(where: { folder == $0 || folder.hasPrefix($0 + "/") }) { return false }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return false }
        for name in names.sorted() where name != ".git" {
            let path = folder + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                if Store.isStoreFolder(path) { continue }
                if walk(path, repo, workdir) { return true }
            case S_IFLNK:
                let target = (path as NSString).resolvingSymlinksInPath
                if !(target == workdir || target.hasPrefix(workdir + "/")) { return true }
                if untracked(path, repo, workdir) { return true }
            default:
                if untracked(path, repo, workdir) { return true }
            }
        }
        return false
    }

    private func untracked(_ path: String, _ repo: GitRepository, _ workdir: String) -> Bool {
        let rel = String(path.dropFirst(workdir.count + 1))
        var flags: UInt32 = 0
        // A path git cannot answer for is not claimed as tracked.
        guard git_status_file(&flags, repo.pointer, rel) == 0 else { return true }
        return flags & (GIT_STATUS_IGNORED.rawValue | GIT_STATUS_WT_NEW.rawValue) != 0
    }
}
