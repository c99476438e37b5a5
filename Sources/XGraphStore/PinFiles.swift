import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The open files a Store pins through (GCLock.swift): its own open file of `locks/gc.lock`
/// and its owner's `.pins` file, opened on the first pin and closed with the Store. Used only
/// under the Store's mutex around them, so one pin at a time holds that gc.lock file.
struct PinFiles: ~Copyable {
    private var lockFD: Int32 = -1
    private var pinsFD: Int32 = -1
    /// The owner the `.pins` file belongs to: a Store that could not take its lease yet names
    /// a placeholder owner, and names its real one once it has the lease.
    private var owner = ""

    /// The open lock file, opened on first use (-1 where nobody can open it from here).
    mutating func gcLock(path: String) -> Int32 {
        if lockFD < 0 { lockFD = Store.openGCLock(path) }
        return lockFD
    }

    /// Appends `data` to `path`, the pins file of `owner`, in one O_APPEND write.
    mutating func append(_ data: Data, to path: String, owner: String) throws {
        if pinsFD >= 0 && (owner != self.owner || Self.isUnlinked(pinsFD)) {
            Glibc.close(pinsFD)
            pinsFD = -1
        }
        if pinsFD < 0 {
            // Appended to by every member of a group store: the umask decides who may write.
            pinsFD = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
            guard pinsFD >= 0 else { throw POSIX.ioError("open", path) }
            self.owner = owner
        }
        try POSIX.writeAll(pinsFD, data, path: path)
    }

    /// Whether the open file lost its last name: a pin written there would protect nothing, as
    /// gc reads pins by name. Nothing of xgraph's removes a live owner's pins, but a person
    /// cleaning `locks/` might; one fstat per pin is cheap next to a gc deleting a used record.
    private static func isUnlinked(_ fd: Int32) -> Bool {
        var st = stat()
        return fstat(fd, &st) == 0 && st.st_nlink == 0
    }

    mutating func close() {
        if lockFD >= 0 { Glibc.close(lockFD); lockFD = -1 }
        if pinsFD >= 0 { Glibc.close(pinsFD); pinsFD = -1 }
    }

    deinit {
        if lockFD >= 0 { Glibc.close(lockFD) }
        if pinsFD >= 0 { Glibc.close(pinsFD) }
    }
}
