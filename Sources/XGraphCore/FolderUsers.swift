import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which processes are still using a folder: their working directory, or a file they hold
/// open, is inside it. A step may start a detached child (`setsid cmd &`) that leaves its
/// process group and outlives it; if that child still writes into the step's output folder
/// when the step has ended, the output is not finished and must not be recorded.
///
/// Linux only (it reads /proc); elsewhere it finds nothing. Processes of other users are
/// skipped where /proc does not let us read their links, which is fine: a step's children run
/// as the step's user.
public enum FolderUsers {
    public struct User: Sendable, Equatable {
        public var pid: Int32
        public var command: String
    }

    /// - Parameters:
    ///   - since: a mark taken before the step started (`ProcessMark.now()`): a process whose
    ///     id was handed out before it cannot be one the step left behind, and that is told from
    ///     its id alone. Where the marks cannot tell (see `ProcessMark`), `startedSince` decides.
    ///   - startedSince: when the step's first process started (clock ticks since boot,
    ///     `ProcessGroup.startTime`): a process that started before it cannot be one the step
    ///     left behind, so its open files are not read. That skips nearly every process on a
    ///     busy machine; reading each one's file table was most of the check's cost.
    public static func of(_ folder: String, since mark: ProcessMark? = nil, startedSince: UInt64? = nil) -> [User] {
        #if os(Linux)
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        func inside(_ link: String) -> Bool { link == folder || link.hasPrefix(prefix) }
        let me = getpid()
        let createdSince: ((Int32) -> Bool)? = mark.flatMap { m in
            guard let now = ProcessMark.now(), let pidMax = ProcessMark.pidMax() else { return nil }
            return m.created(until: now, pidMax: pidMax, inUse: now.tasks)
        }
        var users: [User] = []
        for entry in POSIXList.names("/proc") ?? [] {
            guard let pid = Int32(entry), pid != me else { continue }
            if let createdSince {
                if !createdSince(pid) { continue }
            } else if let since = startedSince, let started = ProcessGroup.procStat(entry)?.startTime, started < since {
                continue
            }
            var using = POSIXLink.target("/proc/\(entry)/cwd").map(inside) ?? false
            if !using {
                for fd in POSIXList.names("/proc/\(entry)/fd") ?? [] {
                    if let target = POSIXLink.target("/proc/\(entry)/fd/\(fd)"), inside(target) { using = true; break }
                }
            }
            guard using else { continue }
            let cmd = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline")
                .map { String(decoding: $0, as: UTF8.self).split(separator: "\0").joined(separator: " ") } ?? "?"
            users.append(User(pid: pid, command: cmd))
        }
        return users
        #else
        return []
        #endif
    }
}
