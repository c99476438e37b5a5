import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// A store shared by a Unix group (docs/store.md, "A store shared by a group").
///
/// `xgraph init-store PATH --group G` makes the store's folder owned by group G with the setgid
/// bit, mode 2770: every folder created inside inherits the group (and the bit). Every xgraph
/// process that opens a store whose folder has the setgid bit lifts the group's bits from its
/// umask, so what it creates is as open to the group as to its owner, whatever umask each member
/// has; others' bits stay as the member's umask says.
///
/// Content stays read-only for everyone: blobs and artifact files are 0444, artifact folders
/// 0555, owned by the member who built them, and only an owner can change a mode. So a member
/// can delete another member's blobs and records (gc and repairs must), but never change the
/// bytes or the layout of another member's artifact. Such an artifact cannot be emptied by
/// anyone else either (that needs write permission on its folders): gc and repairs rename it
/// to `artifacts/.trash-<uid>-…`, where no lookup finds it, and its owner's next gc (or
/// root's) frees its bytes.
extension Store {
    /// Whether the store folder says it is shared by a group (the setgid bit).
    public static func isGroupStore(_ root: String) -> Bool {
        var st = stat()
        return stat(root, &st) == 0 && (st.st_mode & S_ISGID) != 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Before anything is created in a store: a clear error for a user outside its group, and
    /// the umask a member needs.
    static func enterGroupStore(_ root: String) throws {
        var st = stat()
        guard stat(root, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else { return }
        if access(root, R_OK | X_OK) != 0 {
            let shared = (st.st_mode & S_ISGID) != 0
            let group = getgrgid(st.st_gid).map { String(cString: $0.pointee.gr_name) } ?? String(st.st_gid)
            let user = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? String(getuid())
            throw XGraphError.store(shared
                ? "\(root) is a store shared by group \(group), and user \(user) is not in that group (`id -Gn` lists yours); ask the store's owner to add you, then log in again"
                : "\(root): user \(user) may not read this store (\(POSIX.errorText(EACCES)))")
        }
        guard (st.st_mode & S_ISGID) != 0 else { return }
        let old = umask(0)
        umask(old & ~mode_t(0o070))
    }

    /// Makes an empty group store at `root`: the folder (created, or empty) gets group `group`
    /// (the caller must be a member), mode 2770, and the store's layout.
    public static func createGroupStore(at root: String, group: String) throws -> Store {
        guard let entry = getgrnam(group) else { throw XGraphError.usage("--group \(group): no such group (`getent group` lists them)") }
        let gid = entry.pointee.gr_gid
        let count = getgroups(0, nil)
        var groups = [gid_t](repeating: 0, count: Int(max(0, count)))
        let n = getgroups(count, &groups)
        guard getuid() == 0 || getgid() == gid || groups.prefix(Int(max(0, n))).contains(gid) else {
            throw XGraphError.usage("--group \(group): you are not a member of it (`id -Gn` lists your groups)")
        }
        if POSIX.exists(root) {
            guard let names = POSIX.list(root) else { throw XGraphError.usage("\(root) exists and is not a folder this user can read") }
            guard names.isEmpty else { throw XGraphError.usage("\(root) exists and is not empty; init-store makes a new store") }
        } else {
            try POSIX.makeDirectories(root)
        }
        guard chown(root, uid_t.max, gid) == 0 else { throw POSIX.ioError("give group \(group) to", root) }
        guard chmod(root, 0o2770) == 0 else { throw POSIX.ioError("set the mode of", root) }
        return try Store(root: root)
    }

    /// Renames another member's artifact folder aside, inside artifacts/ (a folder can only be
    /// moved to another parent by who may write it).
    func moveToTrash(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        let name = ".trash-\(st.st_uid)-\((path as NSString).lastPathComponent)-\(UInt32.random(in: 0...UInt32.max))"
        rename(path, content.artifactPath(named: name))
    }

    /// Names in artifacts/ that are another member's removed artifacts.
    static func isTrash(_ name: String) -> Bool { name.hasPrefix(".trash-") }

    /// Frees the trash this user owns (root: all of it); returns how many folders went.
    func emptyTrash() -> Int {
        var freed = 0
        for name in POSIX.list(content.artifactsDir) ?? [] where Self.isTrash(name) {
            let path = content.artifactPath(named: name)
            var st = stat()
            guard lstat(path, &st) == 0, getuid() == 0 || st.st_uid == getuid() else { continue }
            POSIX.removeTree(path)
            freed += 1
        }
        return freed
    }
}
