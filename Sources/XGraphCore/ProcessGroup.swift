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
    private static func statFields(_ entry: String) -> [Substring]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/stat"),
              let stat = String(data: data, encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
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
