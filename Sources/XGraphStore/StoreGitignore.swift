import Foundation
import XGraphCore

extension Store {
    /// Writes `.gitignore` (`*`) into a new store that lies inside a git work tree (the default
    /// `cache/` at the project root does): otherwise every file the store holds is an untracked
    /// change, `git status` lists it and `git add .` commits it. A `.gitignore` already there
    /// is left alone.
    func ignoreItselfInGit() throws {
        guard Self.isInsideGitWorkTree(root) else { return }
        _ = try POSIX.publish(Data("*\n".utf8), at: root + "/.gitignore", tempDir: tmpDir,
                              tempName: tempName("gitignore"), overwrite: false)
    }

    /// A `.git` in the folder or a parent: what git looks for, without opening the repository.
    static func isInsideGitWorkTree(_ path: String) -> Bool {
        var dir = path
        while true {
            if POSIX.exists(dir + "/.git") { return true }
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty { return false }
            dir = parent
        }
    }
}
