import Foundation
import Synchronization
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// What tells one state of a record file from another without reading it: its size, mtime,
/// change time, inode and device, as the file-digest cache (and git's index) use them. A record
/// replaced by `rename(2)` (a rebuild under `--force`, another host's write) has a new inode; one
/// rewritten in place has a new change time, which no tool can put back.
public struct RecordStamp: Sendable, Hashable {
    public var size: Int64
    public var mtimeNanos: Int64
    public var ctimeNanos: Int64
    public var inode: UInt64
    public var device: UInt64

    public init(size: Int64, mtimeNanos: Int64, ctimeNanos: Int64, inode: UInt64, device: UInt64) {
        self.size = size; self.mtimeNanos = mtimeNanos; self.ctimeNanos = ctimeNanos
        self.inode = inode; self.device = device
    }

    init(_ st: stat) {
        self.init(size: Int64(st.st_size), mtimeNanos: TreeScan.mtime(st),
                  ctimeNanos: Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec),
                  inode: UInt64(st.st_ino), device: UInt64(st.st_dev))
    }
}

/// What a reader of the records (the results index) last read from a record file: the SHA-256
/// of its bytes, and the file's stamp then (nil when it was not trusted, or the reader got the
/// record some other way, e.g. from the build that wrote it).
public struct KnownRecordFile: Sendable, Hashable {
    public var digest: Digest
    public var stamp: RecordStamp?
    public init(digest: Digest, stamp: RecordStamp?) { self.digest = digest; self.stamp = stamp }
}

/// What `scanRecords(known:)` found.
public struct RecordChanges: Sendable {
    /// Keys (hex) whose record file still has the stamp the caller gave: not read.
    public var unchanged: Set<String> = []
    /// Files read because their stamp was unknown or had moved, that still hold the bytes the
    /// caller knew (same digest): only their stamp is new. Sorted by key.
    public var restamped: [(key: String, stamp: RecordStamp?)] = []
    /// Records read because their file was new to the caller or holds other bytes now, with the
    /// digest of those bytes. Sorted by key.
    public var read: [(record: ActionRecord, file: KnownRecordFile)] = []
    /// Absolute paths, sorted.
    public var unreadable: [String] = []
}

extension Store {
    /// The record files of the store, read only where `known` (key hex → what the caller last
    /// read of it) lacks the file's stamp now: a caller that keeps what it read (the results
    /// index) pays one `lstat` per unchanged record instead of a read and a JSON decode. A file
    /// that is read but holds the bytes the caller knew is not decoded. Stamps are those of the
    /// open file the bytes came from, so they describe exactly those bytes. A file changed within
    /// `racyWindowNanos` (2 s) before `now` gets none: it may change again without its stamp
    /// moving, as timestamps are as coarse as the kernel's tick (git's "racy" rule, as in the
    /// digest cache); tests move `now` on. A record whose file is
    /// gone is in none of the lists.
    public func scanRecords(known: [String: KnownRecordFile], now: Date = Date()) -> RecordChanges {
        var changes = RecordChanges()
        let now = Int64(now.timeIntervalSince1970 * 1e9)
        let dir = actions.recordsDir
        // First the cheap part, in key order: which files still have the stamp the caller knows.
        // A file whose name is no key is listed too, to come out unreadable in its place.
        var toRead: [(path: String, key: Digest?, before: KnownRecordFile?)] = []
        for fan in (POSIX.list(dir) ?? []).sorted() {
            for name in (POSIX.list(dir + "/" + fan) ?? []).sorted() where name.hasSuffix(".json") {
                let path = dir + "/" + fan + "/" + name
                guard let key = Digest(hex: String(name.dropLast(5))) else {
                    toRead.append((path, nil, nil)); continue
                }
                let before = known[key.hex]
                var st = stat()
                if let stamp = before?.stamp, lstat(path, &st) == 0, RecordStamp(st) == stamp {
                    changes.unchanged.insert(key.hex)
                    continue
                }
                toRead.append((path, key, before))
            }
        }
        // Then the files to read, hashed and (if new) decoded on every core: right after a
        // build that is every record it wrote, most of the first report's sync.
        let outcomes = Self.concurrentMap(toRead) { path, key, before -> ScanOutcome in
            guard let key, let file = Self.readStamped(path) else { return .unreadable(path) }
            let (data, stamp) = file
            let settled = now - max(stamp.mtimeNanos, stamp.ctimeNanos) > Self.racyWindowNanos
            let trusted: RecordStamp? = settled ? stamp : nil
            let digest = Digest.of(data)
            if digest == before?.digest { return .restamped(key.hex, trusted) }
            guard case .good(let record) = Self.decodeRecord(data, key: key) else { return .unreadable(path) }
            return .read(record, KnownRecordFile(digest: digest, stamp: trusted))
        }
        for outcome in outcomes {
            switch outcome {
            case .unreadable(let path): changes.unreadable.append(path)
            case .restamped(let key, let stamp): changes.restamped.append((key, stamp))
            case .read(let record, let file): changes.read.append((record, file))
            }
        }
        return changes
    }

    private enum ScanOutcome: Sendable {
        case unreadable(String)
        case restamped(String, RecordStamp?)
        case read(ActionRecord, KnownRecordFile)
    }

    /// `items.map(transform)`, in order, spread over the machine's cores in contiguous chunks.
    private static func concurrentMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) -> R) -> [R] {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        // Small scans (a few new records) are not worth a thread.
        guard cores > 1, items.count >= 64 else { return items.map(transform) }
        let chunks = min(items.count, cores * 4)
        let results = Mutex<[Int: [R]]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let range = (items.count * c / chunks)..<(items.count * (c + 1) / chunks)
            let part = items[range].map(transform)
            results.withLock { $0[c] = part }
        }
        return results.withLock { done in (0..<chunks).flatMap { done[$0] ?? [] } }
    }

    /// A file's bytes and the stamp of the open file they were read from, so that the stamp
    /// describes exactly these bytes even if the path is replaced meanwhile.
    static func readStamped(_ path: String) -> (Data, RecordStamp)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, let data = POSIX.readAll(fd) else { return nil }
        return (data, RecordStamp(st))
    }
}
