import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Questions about a job's process group, asked after its leader has gone.
enum ProcessGroup {
    /// True while a member of the group is still running. kill(-pgid, 0) alone also counts
    /// zombies, which linger when the reaper of orphans (PID 1 in a container) does not reap;
    /// so on Linux a positive answer is checked against the states in /proc.
    static func hasLiveMembers(_ pgid: Int32) -> Bool {
        guard kill(-pgid, 0) == 0 else { return false }
        #if os(Linux)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return true }
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // After "comm)": state, ppid, pgrp, ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 2, Int32(fields[2]) == pgid, fields[0] != "Z" { return true }
        }
        return false
        #else
        return true
        #endif
    }
}
