import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Questions about a job's process group. One liveness rule for everything that waits on a
/// job: the executor after the shell ends, the lease's orphan check, and the builder's wait.
public enum ProcessGroup {
    /// True while a member of the group is still running. kill(-pgid, 0) alone also counts
    /// zombies, which linger when the reaper of orphans (PID 1 in a container) does not reap;
    /// so on Linux a positive answer is checked against the states in /proc. EPERM (a group
    /// of another user) counts as existing, and /proc decides.
    public static func hasLiveMembers(_ pgid: Int32) -> Bool {
        guard pgid > 1, kill(-pgid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        guard let entries = POSIXList.names("/proc") else { return true }
        for entry in entries where entry.first?.isNumber == true {
            guard let fields = statFields(entry) else { continue }
            // fields[0] is the state, fields[2] the process group.
            if fields.count > 2, Int32(fields[2]) == pgid, fields[0] != "Z" { return true }
        }
        return false
        #else
        return true
        #endif
    }

    /// When the process `pid` started, in clock ticks since boot (field 22 of /proc/PID/stat);
    /// nil if it is gone (or off Linux). Together with the pid it names one process: a pid is
    /// reused only by a process that starts later.
    public static func startTime(_ pid: Int32) -> UInt64? {
        #if os(Linux)
        guard pid > 0, let fields = statFields(String(pid)), fields.count > 19 else { return nil }
        return UInt64(fields[19])
        #else
        return nil
        #endif
    }

    /// The fields of /proc/ENTRY/stat after "(comm)", which may itself hold spaces or parentheses.
    ///
    /// Read with open/read into one buffer, not FileManager: after every executed node
    /// FolderUsers reads this for every process on the machine (and `hasLiveMembers` does when
    /// a job's group outlives its shell), and FileManager's file reading (a stat, an NSData, a
    /// bridged copy) made that scan most of a short step's CPU cost in xgraph.
    private static func statFields(_ entry: String) -> [Substring]? {
        #if os(Linux)
        let fd = open("/proc/\(entry)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // The line is a few hundred bytes (comm is at most 15 bytes, the rest numbers): one
        // read of 4 KiB takes it whole, and a longer one is read on.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let stat = String(decoding: bytes[(close + 1)...], as: UTF8.self)
        return stat.split(separator: " ")
        #else
        return nil
        #endif
    }
}

/// Folder listing with readdir(3), without Foundation's error objects (also used on /proc,
/// where entries vanish while it is read).
public enum POSIXList {
    /// The names in a folder, without `.` and `..`; nil if it cannot be opened.
    public static func names(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let ent = readdir(dir) {
            let name = withUnsafePointer(to: &ent.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
