import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Damaged files are never deleted: they are moved to `quarantine/`, under their path in the
/// store, with the time and process that moved them in the name, so that someone can look at
/// what happened (and recover metrics by hand) while the store carries on without them.
extension Store {
    var quarantineDir: String { root + "/quarantine" }

    /// Moves `path` (inside the store) to quarantine/ by one rename and returns where it went.
    @discardableResult
    func quarantine(_ path: String) throws -> String {
        let rel = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : (path as NSString).lastPathComponent
        let folder = (quarantineDir + "/" + rel as NSString).deletingLastPathComponent
        let stamp = TimeText.compactNow()
        let dest = "\(folder)/\(stamp)-\(getpid())-\((rel as NSString).lastPathComponent)"
        try POSIX.makeDirectories(folder)
        guard rename(path, dest) == 0 else { throw POSIX.ioError("move to quarantine", path) }
        return dest
    }
}
