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
            guard let stat = procStat(entry) else { continue }
            if stat.processGroup == pgid, stat.state != UInt8(ascii: "Z") { return true }
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
        guard pid > 0 else { return nil }
        return procStat(String(pid))?.startTime
        #else
        return nil
        #endif
    }

    /// The three fields of /proc/PID/stat that xgraph reads.
    struct Stat {
        var state: UInt8
        var processGroup: Int32
        var startTime: UInt64
    }

    /// Fields 3, 5 and 22 of /proc/ENTRY/stat, found after "(comm)" (which may itself hold
    /// spaces or parentheses); nil if the process is gone or the line is not understood.
    ///
    /// Read with open/read into a stack buffer and parsed in place: after every executed node
    /// FolderUsers reads this for every process on the machine, and reading it with FileManager,
    /// then splitting the line into Strings, was a large part of xgraph's cost per short step.
    static func procStat(_ entry: String) -> Stat? {
        #if os(Linux)
        let fd = open("/proc/\(entry)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // The line is a few hundred bytes (comm is at most 64 bytes, the rest numbers).
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { buf -> Stat? in
            var count = 0
            while count < buf.count {
                let n = read(fd, buf.baseAddress! + count, buf.count - count)
                if n < 0 { if errno == EINTR { continue }; return nil }
                if n == 0 { break }
                count += n
            }
            let line = UnsafeBufferPointer(rebasing: buf[0..<count])
            guard let close = line.lastIndex(of: UInt8(ascii: ")")) else { return nil }
            // After ") ": field 3 (state) is index 0, field 5 (pgrp) index 2, field 22 index 19.
            var field = 0, i = close + 2
            var state: UInt8 = 0
            var group: Int64 = 0, start: UInt64 = 0
            while i < line.count, field <= 19 {
                var j = i
                while j < line.count, line[j] != UInt8(ascii: " "), line[j] != UInt8(ascii: "\n") { j += 1 }
                switch field {
                case 0: guard j > i else { return nil }; state = line[i]
                case 2: guard let v = decimal(line, i, j) else { return nil }; group = Int64(v)
                case 19: guard let v = decimal(line, i, j) else { return nil }; start = v
                default: break
                }
                field += 1
                i = j + 1
            }
            guard field > 19, let pgid = Int32(exactly: group) else { return nil }
            return Stat(state: state, processGroup: pgid, startTime: start)
        }
        #else
        return nil
        #endif
    }

    /// The unsigned decimal number in line[from..<to], nil if empty, not digits or too large.
    private static func decimal(_ line: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> UInt64? {
        guard from < to else { return nil }
        var v: UInt64 = 0
        for k in from..<to {
            let d = line[k] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            guard !o1, !o2 else { return nil }
            v = a
        }
        return v
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
