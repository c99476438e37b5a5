import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The action records of a store as `scanRecords` found them: the good ones, and the files that
/// could not be read as the record of the key they are named by (truncated, garbage, misfiled).
public struct RecordScan: Sendable, Equatable {
    /// Sorted by key.
    public var records: [ActionRecord] = []
    /// Absolute paths, sorted.
    public var unreadable: [String] = []
}

/// What is at a record's path.
enum RecordFile {
    case missing
    case damaged(String)
    case good(ActionRecord)
}

extension Store {
    /// The record stored under `key`, if any. A record file that cannot be read as this key's
    /// record (damaged by a full disk or a copy tool, or misfiled) reads as no record, so the node
    /// runs again and its new record replaces the damaged file (see `write`). It no longer
    /// throws; `throws` is kept so that callers in other modules compile unchanged.
    public func record(forKey key: Digest) throws -> ActionRecord? {
        if case .good(let record) = readRecord(key) { return record }
        return nil
    }

    func readRecord(_ key: Digest) -> RecordFile {
        let path = recordPath(key)
        guard let data = POSIX.readFile(path) else { return .missing }
        return Self.decodeRecord(data, key: key)
    }

    static func decodeRecord(_ data: Data, key: Digest) -> RecordFile {
        do {
            let record = try ActionRecordCoding.decode(data)
            guard record.key == key else { return .damaged("it holds the record of key \(record.key)") }
            return .good(record)
        } catch {
            return .damaged("\(error)")
        }
    }

    /// The output tree of the node built under `key`: the null-build fast path. After the
    /// first call this is a dictionary lookup (keys.log is read once, each line checked against
    /// its checksum); a key missing from it (written by another process since, its line lost to
    /// a torn append, or a line that failed its checksum) is looked up in its record, and a line
    /// for it is appended so that the next build finds it in the log again.
    /// It does not check that the artifact is still present; see `hasArtifact`.
    public func outputDigest(forKey key: Digest) -> Digest? {
        let cached: Digest? = caches.withLock { c in
            if c.outputs == nil { c.outputs = KeyLog.load(keyLogPath) }
            return c.outputs?[key]
        }
        if let cached { return cached }
        guard case .good(let record) = readRecord(key) else { return nil }
        repairKeyLog(record)
        return record.output
    }

    /// The good record under `key`, read from its file (never from the key map), which this
    /// process's key map then knows: what a head reads once a job elsewhere may have recorded it.
    ///
    /// keys.log is left alone: the process that wrote the record appended its line (a line
    /// it lost is mended by whichever build next misses the key there).
    public func recordLearned(forKey key: Digest) -> ActionRecord? {
        guard case .good(let record) = readRecord(key) else { return nil }
        _ = learnOutput(record)
        return record
    }

    /// Sets this process's key map (read from keys.log first, if it was not yet) to `record`'s
    /// output; whether the map said so already.
    private func learnOutput(_ record: ActionRecord) -> Bool {
        caches.withLock { c in
            if c.outputs == nil { c.outputs = KeyLog.load(keyLogPath) }
            defer { c.outputs?[record.key] = record.output }
            return c.outputs?[record.key] == record.output
        }
    }

    /// Makes keys.log and this process's map say what `record` says: appends its line (the last
    /// good line of a key wins) unless the map already agrees. A store this user cannot write
    /// keeps its log; the record still answers, only more slowly.
    func repairKeyLog(_ record: ActionRecord) {
        if !learnOutput(record) { try? KeyLog.append(key: record.key, output: record.output, to: keyLogPath) }
    }

    /// Writes `record` under its key once: if a record for the key exists (written by anyone,
    /// even at the same moment), that one is kept and returned. A damaged file under the key is
    /// moved to quarantine/ first. The file appears complete by `link(2)` from tmp/ after fsync;
    /// then its line is appended to keys.log.
    @discardableResult
    public func write(_ record: ActionRecord) throws -> ActionRecord {
        let path = recordPath(record.key)
        let data = try ActionRecordCoding.encode(record)
        // A second round only when another writer damaged or removed the file meanwhile.
        for _ in 0..<3 {
            switch readRecord(record.key) {
            case .good(let existing):
                repairKeyLog(existing)
                return existing
            case .damaged:
                // link(2) never replaces a file: set the damaged one aside (a racing writer
                // doing the same makes one of the renames fail, which is fine).
                _ = try? quarantine(path)
            case .missing:
                break
            }
            let wrote = try POSIX.publish(data, at: path, tempDir: tmpDir,
                                          tempName: tempName("record"), overwrite: false, mode: 0o444)
            if wrote {
                try logWritten(record)
                return record
            }
        }
        throw XGraphError.store("action record \(path) keeps being replaced while being written")
    }

    /// After a record file is in place: its keys.log line, and this process's map.
    func logWritten(_ record: ActionRecord) throws {
        try KeyLog.append(key: record.key, output: record.output, to: keyLogPath)
        caches.withLock { $0.outputs?[record.key] = record.output }
    }

    /// Every readable action record in the store, and the record files that could not be read.
    public func scanRecords() -> RecordScan {
        var scan = RecordScan()
        let dir = actions.recordsDir
        for fan in (POSIX.list(dir) ?? []).sorted() {
            for name in (POSIX.list(dir + "/" + fan) ?? []).sorted() where name.hasSuffix(".json") {
                let path = dir + "/" + fan + "/" + name
                guard let key = Digest(hex: String(name.dropLast(5))), let data = POSIX.readFile(path),
                      case .good(let record) = Self.decodeRecord(data, key: key) else {
                    scan.unreadable.append(path); continue
                }
                scan.records.append(record)
            }
        }
        return scan
    }

    /// Every action record in the store, sorted by key; throws if one cannot be read (use
    /// `scanRecords` to skip those).
    public func allRecords() throws -> [ActionRecord] {
        let scan = scanRecords()
        if let path = scan.unreadable.first {
            throw XGraphError.store(Self.unreadableRecordMessage(path))
        }
        return scan.records
    }

    /// What users are told about a record file that cannot be read.
    public static func unreadableRecordMessage(_ path: String) -> String {
        "action record \(path) is unreadable (damaged or misfiled); its node reads as not built."
            + " `xgraph verify --repair` moves it to quarantine/"
    }
}
