import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A mark in the machine's sequence of new processes, from which one can later tell, without
/// opening anything of a process, whether it was created after the mark: Linux hands out
/// process ids in a cycle (the next free id above the last one given, wrapping at `pid_max`),
/// so while the cycle has not come round again every process created since has an id in
/// (last id then, last id now], wrapping.
///
/// "Not come round again" is made sure of, not assumed: `/proc/stat` counts every process and
/// thread ever created, and the cursor can pass at most one id per creation plus one per id in
/// use that it skips. Where that count leaves any doubt, or anything cannot be read, `created`
/// answers nil and the caller falls back to reading each process's start time.
///
/// FolderUsers asks this after every step: reading /proc/PID/stat for every process on a
/// cluster node running a hundred jobs cost several milliseconds per node, more than a short
/// step itself.
public struct ProcessMark: Sendable, Equatable {
    /// The id most recently handed out (the last field of /proc/loadavg).
    public var lastPID: Int32
    /// Processes and threads created since boot (`processes` in /proc/stat).
    public var created: UInt64
    /// Tasks (processes and threads) alive at the mark (the fourth field of /proc/loadavg,
    /// running/total): ids in use that the cycle skips.
    public var tasks: Int

    public init(lastPID: Int32, created: UInt64, tasks: Int = 0) {
        self.lastPID = lastPID; self.created = created; self.tasks = tasks
    }

    /// The mark now; nil off Linux, or where /proc is not this process's (a process id
    /// namespace of its own would number processes differently from what /proc lists).
    public static func now() -> ProcessMark? {
        #if os(Linux)
        guard let own = POSIXLink.target("/proc/self"), own == String(getpid()),
              let loadavg = read("/proc/loadavg"), let stat = read("/proc/stat") else { return nil }
        let fields = loadavg.split(separator: " ")
        guard fields.count >= 5, let last = Int32(fields[4].trimmingCharacters(in: .whitespacesAndNewlines)),
              let slash = fields[3].firstIndex(of: "/"), let tasks = Int(fields[3][fields[3].index(after: slash)...]),
              let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("processes ") }),
              let created = UInt64(line.dropFirst("processes ".count).trimmingCharacters(in: .whitespaces)) else { return nil }
        return ProcessMark(lastPID: last, created: created, tasks: tasks)
        #else
        return nil
        #endif
    }

    /// The ids a process created between `self` and `later` can have, as a test; nil when that
    /// cannot be told from the two marks: more creations than the cycle can take without
    /// coming round (`pidMax` ids, `inUse` of them taken now; both doubled for safety, since
    /// more may have been in use meanwhile), or a mark that went backwards.
    public func created(until later: ProcessMark, pidMax: Int32, inUse: Int) -> ((Int32) -> Bool)? {
        guard later.created >= created, pidMax > 0, inUse >= 0 else { return nil }
        let made = later.created - created
        guard made < UInt64(pidMax), UInt64(inUse) * 2 + made * 2 < UInt64(pidMax) / 2 else { return nil }
        let (a, b) = (lastPID, later.lastPID)
        if made == 0 { return { _ in false } }
        // (a, b]; when the ids wrapped, (a, pid_max) and [1, b].
        if b >= a { return { $0 > a && $0 <= b } }
        return { $0 > a || ($0 >= 1 && $0 <= b) }
    }

    /// pid_max, from /proc; nil off Linux or where it cannot be read.
    public static func pidMax() -> Int32? {
        #if os(Linux)
        read("/proc/sys/kernel/pid_max").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #else
        nil
        #endif
    }

    private static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

/// readlink(2) into a String.
public enum POSIXLink {
    /// The link's target; nil when it cannot be read (errno says why).
    public static func target(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
