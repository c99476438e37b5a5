import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The few POSIX file operations the store is built from. The store must be correct on a shared
/// file system used by several processes and hosts, so everything that becomes visible does so
/// by `rename(2)` or `link(2)`, both atomic on local file systems and on NFS.
enum POSIX {
    static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    static func ioError(_ what: String, _ path: String, _ code: Int32 = errno) -> XGraphError {
        .io("cannot \(what) \(path): \(errorText(code))")
    }

    static let hostName: String = {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "localhost" }
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }()

    /// `mkdir -p`; an existing folder is fine. The umask decides the mode (0o755 under the usual
    /// 022); in a group store it lets the group write (GroupStore.swift).
    static func makeDirectories(_ path: String, mode: mode_t = 0o777) throws {
        if mkdir(path, mode) == 0 { return }
        switch errno {
        case EEXIST:
            var st = stat()
            if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { return }
            throw XGraphError.io("cannot create folder \(path): a file is in the way")
        case ENOENT:
            let parent = (path as NSString).deletingLastPathComponent
            guard !parent.isEmpty, parent != path else { throw ioError("create folder", path) }
            try makeDirectories(parent, mode: mode)
            if mkdir(path, mode) != 0 && errno != EEXIST { throw ioError("create folder", path) }
        default:
            throw ioError("create folder", path)
        }
    }

    /// The names in a folder, without `.` and `..`; nil if it cannot be opened.
    static func list(_ path: String) -> [String]? { POSIXList.names(path) }

    static func lstatMode(_ path: String) -> mode_t? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode : nil
    }

    static func exists(_ path: String) -> Bool { lstatMode(path) != nil }

    static func readFile(_ path: String) -> Data? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readAll(fd)
    }

    static func readAll(_ fd: Int32) -> Data? {
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return data }
            data.append(contentsOf: buf[0..<n])
        }
    }

    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var off = 0
            while off < raw.count {
                let n = write(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 { if errno == EINTR { continue }; throw ioError("write", path) }
                off += n
            }
        }
    }

    /// Appends `data` with O_APPEND in one write(2): lines of concurrent writers do not interleave.
    static func append(_ data: Data, to path: String) throws {
        // Appended to by every member of a group store: the umask decides who may write.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw ioError("open", path) }
        defer { close(fd) }
        try writeAll(fd, data, path: path)
    }

    /// Writes a new scratch file (no fsync: it lives no longer than the process that reads it).
    static func writeScratch(_ data: Data, at path: String) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw ioError("create", path) }
        defer { close(fd) }
        try writeAll(fd, data, path: path)
    }

    /// Writes `data` to a fresh file in `tempDir`, fsyncs it and publishes it at `path`.
    /// With `overwrite: false` the publish is `link(2)`, which fails if `path` exists, so the
    /// first writer wins even between hosts; the return value says whether this call wrote it.
    ///
    /// The contents are on disk before the name appears, so a crash never leaves a name on a
    /// partial file. The name itself is not synced (no fsync of the folder, which cost as much as
    /// the rest of a short step): a power loss may forget the newest names, and what they named
    /// is then simply built again.
    @discardableResult
    /// - Parameter sync: false skips the fsync, for a file that proves its own bytes (named by
    ///   their digest, checked when read): a power loss can then leave it cut short, which its
    ///   reader refuses, but never wrong.
    static func publish(_ data: Data, at path: String, tempDir: String, tempName: String,
                        overwrite: Bool, mode: mode_t = 0o644, sync: Bool = true) throws -> Bool {
        let tmp = tempDir + "/" + tempName
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw ioError("create", tmp) }
        do {
            try writeAll(fd, data, path: tmp)
            guard !sync || fsync(fd) == 0 else { throw ioError("fsync", tmp) }
        } catch {
            close(fd); unlink(tmp); throw error
        }
        close(fd)
        var moved = false
        defer { if !moved { unlink(tmp) } }
        let parent = (path as NSString).deletingLastPathComponent
        try makeDirectories(parent)
        if overwrite {
            guard rename(tmp, path) == 0 else { throw ioError("rename into", path) }
            moved = true
        } else if let placed = renameNoReplace(tmp, path) {
            moved = placed
            return placed
        } else if link(tmp, path) != 0 {
            let code = errno
            if code == EEXIST { return false }
            // Some file systems have no hard links: rename is still atomic, only a racing
            // second writer of the same content could replace the first, which is harmless.
            guard code == EPERM || code == ENOTSUP || code == EOPNOTSUPP else { throw ioError("link into", path, code) }
            if exists(path) { return false }
            guard rename(tmp, path) == 0 else { throw ioError("rename into", path) }
        }
        return true
    }

    /// `renameat2(RENAME_NOREPLACE)`: true if `from` now has the name `to`, false if `to` existed
    /// (nothing moved), nil where the kernel or file system cannot do it (NFS, old kernels):
    /// the caller then links and unlinks.
    ///
    /// Preferred over link + unlink because the unlink frees an inode: ext4 without a journal
    /// skips every inode freed in the last seconds to minutes when it allocates one, so each freed
    /// temporary file made every later file creation in its block group slower, and a build
    /// freeing a few per node spent most of its time in the kernel.
    static func renameNoReplace(_ from: String, _ to: String) -> Bool? {
        guard let call = renameat2 else { return nil }
        if call(AT_FDCWD, from, AT_FDCWD, to, 1 /* RENAME_NOREPLACE */) == 0 { return true }
        return errno == EEXIST ? false : nil
    }

    /// `syncfs(2)` of the file system holding `path`: everything written there reaches the disk
    /// (on NFS, the server). Falls back to `sync()` where the call cannot be found.
    static func syncFileSystem(of path: String) throws {
        guard let call = syncfs else { sync(); return }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open", path) }
        defer { close(fd) }
        guard call(fd) == 0 else { throw ioError("sync the file system of", path) }
    }

    /// Swift's Glibc module does not declare syncfs (glibc has it since 2.14).
    private typealias SyncFS = @convention(c) (Int32) -> Int32
    private static let syncfs = libc("syncfs", as: SyncFS.self)

    /// A C library function Swift's Glibc module does not declare, looked up by name.
    private static func libc<F>(_ name: String, as type: F.Type) -> F? {
        #if os(Linux)
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
        #else
        return nil
        #endif
    }

    /// glibc has exported renameat2 since 2.28, but Swift's Glibc module does not declare it.
    private typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
    private static let renameat2 = libc("renameat2", as: RenameAt2.self)

    /// `rm -rf` that also works on the store's read-only folders (it restores write permission
    /// on folders before emptying them). Errors are ignored: callers remove garbage.
    static func removeTree(_ path: String) {
        guard let mode = lstatMode(path) else { return }
        if (mode & S_IFMT) == S_IFDIR {
            chmod(path, 0o755)
            for name in list(path) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Deletes everything inside a folder (restoring write permission where needed) and keeps
    /// the folder; true if it is empty and writable afterwards.
    static func emptyDirectory(_ path: String) -> Bool {
        chmod(path, 0o755)
        for name in list(path) ?? [] { removeTree(path + "/" + name) }
        return list(path)?.isEmpty == true
    }

}
