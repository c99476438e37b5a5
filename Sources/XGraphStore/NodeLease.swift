import Foundation
import Synchronization
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Who runs a node: written into its lock file by the lease holder.
///
/// Lock file `locks/<key>.lock`, JSON with sorted keys and ISO-8601 dates:
///     {"host":"vm","jobStart":81234,"node":"pretrain/...","pgid":4242,"pid":4200,"since":"2026-11-23T10:00:00.000Z"}
/// `pgid` (the job's process group) appears once the builder sets it, with `jobStart`, the start
/// time of the group's leader (clock ticks since boot), so that a later build can tell our job
/// from an unrelated process that got the same id. A clean release empties the file, so a
/// non-empty file that nobody has locked was left by a killed holder.
///
/// Version History:
/// * 1: first version.
/// * 2: `jobStart` added (a file without it is still read; its group is then trusted by id).
public struct LeaseInfo: Codable, Sendable, Equatable {
    /// The xgraph process holding the lease.
    public var pid: Int32
    /// The process group of the node's job, once started.
    public var pgid: Int32?
    /// The start time of the job's group leader, to recognise it (see ProcessGroup.startTime).
    public var jobStart: UInt64?
    public var host: String
    public var node: String
    public var since: Date

    public init(pid: Int32, pgid: Int32?, jobStart: UInt64? = nil, host: String, node: String, since: Date) {
        self.pid = pid; self.pgid = pgid; self.jobStart = jobStart; self.host = host; self.node = node; self.since = since
    }

    /// By hand through JSONValue: JSONEncoder was a visible part of running a short step.
    func encoded() -> Data {
        var o: [String: JSONValue] = ["pid": .int(Int(pid)), "host": .string(host), "node": .string(node),
                                      "since": .string(TimeText.iso8601(since))]
        if let pgid { o["pgid"] = .int(Int(pgid)) }
        if let jobStart, let n = Int(exactly: jobStart) { o["jobStart"] = .int(n) }
        return JSONValue.object(o).canonicalData
    }

    static func decode(_ data: Data) -> LeaseInfo? {
        guard !data.isEmpty else { return nil }
        let d = JSONDecoder()
        d.dateDecodingStrategy = ActionRecordCoding.dateDecoding
        return try? d.decode(LeaseInfo.self, from: data)
    }

    /// The job's process group if it was recorded on this host and still has running (not
    /// zombie) members. Only meaningful for a holder that is gone (its flock released). A group
    /// whose leader is alive but started at another time than the recorded job is someone
    /// else's (the id was reused, or the lease was written in another PID namespace): not ours
    /// to wait for.
    var liveOrphanGroup: Int32? {
        guard let pgid, host == POSIX.hostName else { return nil }
        if let recorded = jobStart, let leader = ProcessGroup.startTime(pgid), leader != recorded { return nil }
        return ProcessGroup.hasLiveMembers(pgid) ? pgid : nil
    }
}

/// The right to run one node key: an exclusive `flock(2)` on its lock file, held for as long
/// as this object lives (or until `release()`). The kernel drops it when the process dies,
/// even by kill -9, so a later build can always take it; the job that process started may
/// outlive it, which `orphanedProcessGroup` reports.
///
/// flock is per open file description: two opens of the same file conflict even within one
/// process, so two Stores (or two builds) in one process exclude each other too. On NFS, Linux
/// implements flock with byte-range locks, which work across hosts.
public final class NodeLease: @unchecked Sendable {
    public let key: Digest
    public let node: String
    /// A process group left running by a previous holder of this key that was killed
    /// (recorded on this host, still alive when the lease was taken). The builder should wait
    /// for it or kill it (`kill(-pgid, SIGTERM)`) before starting the node again. Process group
    /// ids can be reused after the group is gone; the lease only says that the id is alive now.
    public let orphanedProcessGroup: Int32?

    private struct State { var fd: Int32; var info: LeaseInfo }
    private let state: Mutex<State>

    init(key: Digest, node: String, fd: Int32, info: LeaseInfo, orphan: Int32?) {
        self.key = key; self.node = node; self.orphanedProcessGroup = orphan
        self.state = Mutex(State(fd: fd, info: info))
    }

    /// Records the job's process group in the lock file, so that if xgraph dies the next
    /// build can find the job still running.
    public func setJobProcessGroup(_ pgid: Int32) {
        state.withLock { s in
            guard s.fd >= 0 else { return }
            s.info.pgid = pgid
            s.info.jobStart = ProcessGroup.startTime(pgid)
            Self.rewrite(s.fd, s.info)
        }
    }

    /// Gives the lease up (also done on deinit). The lock file is emptied first, so nobody
    /// mistakes a finished job for an orphan; it is never deleted, because deleting a lock file
    /// that another process has just opened would let two processes hold "the" lock.
    public func release() {
        state.withLock { s in
            guard s.fd >= 0 else { return }
            ftruncate(s.fd, 0)
            flock(s.fd, LOCK_UN)
            close(s.fd)
            s.fd = -1
        }
    }

    deinit { release() }

    static func rewrite(_ fd: Int32, _ info: LeaseInfo) {
        let data = info.encoded()
        ftruncate(fd, 0)
        _ = data.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }
}

/// The store's `locks/` folder: one run lease per key (`<key>.lock`, an flock holding
/// LeaseInfo), gc's lock (`gc.lock`), the uses gc's size limit reads (`uses/`) and the leases on
/// temporaries (`owners/`). This type owns those names and takes and inspects run leases.
public struct LeaseTable: Sendable {
    let root: String

    static let folders = ["locks"]

    var locksDir: String { root + "/locks" }
    var gcLockPath: String { locksDir + "/gc.lock" }
    var usesDir: String { locksDir + "/uses" }
    var ownersDir: String { locksDir + "/owners" }
    private func lockPath(_ key: Digest) -> String { locksDir + "/" + key.hex + ".lock" }

    /// Takes the run lease of `key`, or returns nil if another holder (another process, or
    /// another lease object in this one) has it.
    public func tryLease(key: Digest, node: String) throws -> NodeLease? {
        let path = lockPath(key)
        // Group-writable (as the umask allows), for stores a team shares. A lock file another
        // user made and we may not write is still a lock: flock needs only an open file; its
        // lease information is then not recorded (waiters are told so).
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o664)
        if fd < 0 && errno == EACCES { fd = open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw POSIX.ioError("open lock file", path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK || code == EINTR { return nil }
            throw POSIX.ioError("lock", path, code)
        }
        let previous = POSIX.readAll(fd).flatMap(LeaseInfo.decode)
        let info = LeaseInfo(pid: getpid(), pgid: nil, host: POSIX.hostName, node: node, since: Date())
        NodeLease.rewrite(fd, info)
        return NodeLease(key: key, node: node, fd: fd, info: info, orphan: previous?.liveOrphanGroup)
    }

    /// Who holds the lease of `key` now, or nil if nobody does. (Checking takes a shared lock
    /// for an instant, so a `tryLease` at that very instant may see the lease as taken.)
    public func leaseHolder(key: Digest) -> LeaseInfo? {
        inspectLock(key) { held, info in held ? info : nil }
    }

    /// The process group of a job whose xgraph was killed while running `key`: the lease is
    /// free but its file still names a job process group on this host that has live members.
    /// The next build waits for it or kills it before running the node again.
    public func orphanedJob(key: Digest) -> Int32? {
        inspectLock(key) { held, info in held ? nil : info?.liveOrphanGroup }
    }

    private func inspectLock<T>(_ key: Digest, _ body: (_ held: Bool, _ info: LeaseInfo?) -> T?) -> T? {
        let fd = open(lockPath(key), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let held = flock(fd, LOCK_SH | LOCK_NB) != 0
        let info = POSIX.readAll(fd).flatMap(LeaseInfo.decode)
        if !held { flock(fd, LOCK_UN) }
        return body(held, info)
    }
}

extension Store {
    public func tryLease(key: Digest, node: String) throws -> NodeLease? { try leases.tryLease(key: key, node: node) }
    public func leaseHolder(key: Digest) -> LeaseInfo? { leases.leaseHolder(key: key) }
    public func orphanedJob(key: Digest) -> Int32? { leases.orphanedJob(key: key) }
}
