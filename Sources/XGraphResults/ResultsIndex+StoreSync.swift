import Foundation
import GRDB
import XGraphCore
import XGraphStore

/// Syncing with the store itself, reading only the records whose file changed since the index
/// last read it. Reading and decoding every record on each `results` or `report` was most of
/// their time on a large study (10k records: seconds), though the records rarely change.
extension ResultsIndex {
    /// Makes the index hold exactly the store's readable records, as `sync(with: RecordScan)`
    /// does, and warns about each record file that cannot be read. Each run remembers the
    /// SHA-256 of the record file it was made from and the file's stat (`record_files`); a file
    /// with the same stat now is not read again. Any other file is read: a new record, one
    /// replaced by a rebuild (new inode), one rewritten in place (new change time), a damaged
    /// one (found bad, its run deleted, warned about on every sync while it is there). A file
    /// whose bytes have the digest the index knows only gets its new stat; other bytes are
    /// decoded and replace the run. A run whose file is gone is deleted. Stamps are taken on the
    /// open file whose bytes were read, and every mismatch is read again, so a sync racing
    /// another writer leaves at worst a run that the next sync corrects.
    /// A file changed less than 2 s before `now` keeps no stat: it is read
    /// again next time.
    @discardableResult
    public func sync(with store: Store, now: Date = Date(),
                     warn: (String) -> Void = ResultsIndex.warnOnStandardError) throws -> SyncSummary {
        try syncReplaced(with: store)
        let indexed = try wrap { try queue.read { try Self.indexedFiles($0) } }
        var known: [String: KnownRecordFile] = [:]
        known.reserveCapacity(indexed.count)
        for case let (key, file?) in indexed { known[key] = file }
        let changes = store.scanRecords(known: known, now: now)
        for path in changes.unreadable { warn(Store.unreadableRecordMessage(path)) }

        var present = changes.unchanged
        for entry in changes.read { present.insert(entry.record.key.hex) }
        for entry in changes.restamped { present.insert(entry.key) }
        // Only rows that were indexed before the scan and have no file now: a row another
        // process adds meanwhile is for a record this scan did not see, not a stale one.
        let gone = indexed.keys.filter { !present.contains($0) }
        let restamped = changes.restamped.filter { $0.stamp != nil }
        if gone.isEmpty && changes.read.isEmpty && restamped.isEmpty { return SyncSummary(inserted: 0, deleted: 0) }
        return try wrap {
            try queue.write { db in
                var deleted = 0
                let remove = try db.cachedStatement(sql: "DELETE FROM runs WHERE key = ?")
                for key in gone {
                    try remove.execute(arguments: [key])
                    deleted += db.changesCount
                }
                let stamp = try db.cachedStatement(sql: """
                    UPDATE record_files SET size = ?, mtime_ns = ?, ctime_ns = ?, inode = ?, device = ?
                    WHERE key = ? AND digest = ?
                    """)
                for (key, s) in restamped {
                    guard let s, let digest = known[key]?.digest else { continue }
                    // Only where the row still has the digest that was compared (another
                    // process may have replaced it since).
                    var arguments = Self.stampArguments(s)
                    arguments += [key, digest.hex]
                    try stamp.execute(arguments: arguments)
                }
                // A record whose bytes changed replaces its run: the file may hold another
                // record of the same key (a rebuild) than the one indexed.
                var inserted = 0
                for (record, file) in changes.read {
                    try remove.execute(arguments: [record.key.hex])
                    let replaced = db.changesCount > 0
                    guard try Self.insertOrSkip(record, db) else { continue }
                    if !replaced { inserted += 1 }
                    try Self.insertFile(key: record.key.hex, file, db)
                }
                return SyncSummary(inserted: inserted, deleted: deleted)
            }
        }
    }

    /// Indexes the records re-runs replaced (`history/`, written once and never changed, so a
    /// name seen is a record read) and drops those whose file is gone: `results --all` shows
    /// them, marked replaced.
    func syncReplaced(with store: Store) throws {
        let names = Set(store.replacedRecordNames())
        let indexed = Set(try wrap { try queue.read {
            try String.fetchAll($0, sql: "SELECT substr(key, 10) FROM replaced_runs")
        } })
        let new = names.subtracting(indexed), gone = indexed.subtracting(names)
        guard !new.isEmpty || !gone.isEmpty else { return }
        let records = new.compactMap { name in store.replacedRecord(named: name).map { (name, $0) } }
        try wrap {
            try queue.write { db in
                for name in gone { try db.execute(sql: "DELETE FROM replaced_runs WHERE key = ?", arguments: ["replaced:" + name]) }
                for (name, record) in records {
                    try db.execute(sql: "DELETE FROM replaced_runs WHERE key = ?", arguments: ["replaced:" + name])
                    _ = try Self.insertOrSkip(record, db, replacedFile: name)
                }
            }
        }
    }

    /// Records what a run was made from.
    static func insertFile(key: String, _ file: KnownRecordFile, _ db: Database) throws {
        var arguments: StatementArguments = [key, file.digest.hex]
        arguments += file.stamp.map(Self.stampArguments) ?? [nil, nil, nil, nil, nil]
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO record_files (key, digest, size, mtime_ns, ctime_ns, inode, device)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: arguments)
    }

    /// SQLite integers are signed 64-bit; inode and device numbers are stored as their bit
    /// patterns.
    private static func stampArguments(_ s: RecordStamp) -> StatementArguments {
        [s.size, s.mtimeNanos, s.ctimeNanos, Int64(bitPattern: s.inode), Int64(bitPattern: s.device)]
    }

    /// Every indexed key with what its run was made from (nil: not known).
    static func indexedFiles(_ db: Database) throws -> [String: KnownRecordFile?] {
        var out: [String: KnownRecordFile?] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT r.key, f.digest, f.size, f.mtime_ns, f.ctime_ns, f.inode, f.device
            FROM runs r LEFT JOIN record_files f ON f.key = r.key
            """)
        while let row = try rows.next() {
            let key: String = row[0]
            guard let hex: String = row[1], let digest = Digest(hex: hex) else { out[key] = .some(nil); continue }
            var stamp: RecordStamp?
            if let size: Int64 = row[2], let mtime: Int64 = row[3], let ctime: Int64 = row[4],
               let inode: Int64 = row[5], let device: Int64 = row[6] {
                stamp = RecordStamp(size: size, mtimeNanos: mtime, ctimeNanos: ctime,
                                    inode: UInt64(bitPattern: inode), device: UInt64(bitPattern: device))
            }
            out[key] = KnownRecordFile(digest: digest, stamp: stamp)
        }
        return out
    }
}
