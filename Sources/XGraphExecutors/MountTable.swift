import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The mount table (fstab format) that `mount -a -T` reads to bind folders read-only in a job's
/// namespace (ReadOnlyMounts). It must be a regular file: mount(8) cannot parse a table from a
/// pipe, so a here-document will not do. One file per process and set of folders (every job of
/// a build protects the same store folders), made with mkstemp (a fresh name nobody else could
/// have placed: it is written as root into a shared temporary folder) and removed when the
/// process exits; a killed process leaves one file of a few hundred bytes.
enum MountTable {
    /// A table file as written: its path and the identity of the file there.
    private struct Written {
        var path: String
        var device: UInt64
        var inode: UInt64
    }
    private struct State {
        /// Folders → the table file that names them.
        var files: [[String]: Written] = [:]
        /// Whether the exit handler that removes them is registered.
        var registered = false
    }
    private static let state = Mutex(State())

    /// The table's path, written on first use; nil if it cannot be written (the caller then
    /// mounts each folder on its own).
    static func file(for paths: [String]) -> String? {
        state.withLock { state in
            // A cleaner of temporary folders may delete the file during a long build: one stat
            // per job notices, and a new table is written.
            // The file is only ours if it is still the very file written: once a cleaner has
            // deleted it, anybody may create a file of that (listed) name, and root would mount
            // what it says. So the owner, device and inode must match, or a new table is written.
            if let written = state.files[paths] {
                var st = stat()
                if lstat(written.path, &st) == 0, st.st_uid == geteuid(), (st.st_mode & S_IFMT) == S_IFREG,
                   UInt64(st.st_dev) == written.device, UInt64(st.st_ino) == written.inode {
                    return written.path
                }
                state.files[paths] = nil
            }
            guard let text = text(for: paths), let written = write(text) else { return nil }
            state.files[paths] = written
            let path = written.path
            if !state.registered { state.registered = true; atexit { MountTable.removeAll() } }
            return path
        }
    }

    /// One `SOURCE TARGET none bind,ro 0 0` line per folder, with the octal escapes fstab uses
    /// for space, tab, newline and backslash; nil for a path that is not absolute.
    static func text(for paths: [String]) -> String? {
        var lines = ""
        for p in paths {
            guard p.hasPrefix("/") else { return nil }
            var escaped = ""
            for b in p.utf8 {
                switch b {
                case 0x20: escaped += "\\040"
                case 0x09: escaped += "\\011"
                case 0x0A: escaped += "\\012"
                case 0x5C: escaped += "\\134"
                default: escaped.unicodeScalars.append(Unicode.Scalar(b))
                }
            }
            lines += "\(escaped) \(escaped) none bind,ro 0 0\n"
        }
        return lines
    }

    private static func write(_ text: String) -> Written? {
        let dir = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        var template = Array((dir + "/xgraph-readonly-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buf in buf.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // mkstemp filled in the X's; the array still ends with its NUL.
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var st = stat()
        guard fstat(fd, &st) == 0 else { unlink(path); return nil }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { unlink(path); return nil }
            off += n
        }
        return Written(path: path, device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    private static func removeAll() {
        // At exit no job is starting any more (a job's mount read the table long before). If
        // another thread holds the lock while the process exits, leave the file rather than
        // wait for a thread that may never run again.
        guard let paths = state.withLockIfAvailable({ $0.files.values.map(\.path) }) else { return }
        for path in paths { unlink(path) }
    }
}
