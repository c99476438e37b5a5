import Foundation
import GRDB
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

/// The SQLite results index (docs/design.md §6): a query-friendly copy of the store's action records.
/// The records stay the source of truth; `sync` brings the index up to date with them and
/// `rebuild` recreates it from scratch. Schema: `ResultsSchema`, docs/results-schema.md.
public final class ResultsIndex: Sendable {
    public let path: String
    let queue: DatabaseQueue
    /// True when the file could not be written (a store another user owns, a read-only mount):
    /// the index then lives in memory for this process and `sync` fills it from the records.
    public let isInMemory: Bool

    /// What a sync changed.
    public struct SyncSummary: Sendable, Equatable {
        public var inserted: Int
        public var deleted: Int
        public init(inserted: Int, deleted: Int) { self.inserted = inserted; self.deleted = deleted }
    }

    /// Where warnings go unless a caller says otherwise: standard error, as the CLI's warnings.
    public static let warnOnStandardError: @Sendable (String) -> Void = { text in
        FileHandle.standardError.write(Data("xgraph: warning: \(text)\n".utf8))
    }

    /// Opens (creating if needed, parent folders included) the index at `path`. An index written
    /// by another schema version is emptied; the next `sync` refills it. The index is derived
    /// data, so a file SQLite finds damaged is moved aside (`<path>.corrupt-<time>`, with a
    /// warning) and a new one is started; and when the file cannot be written, the index is
    /// built in memory instead (`isInMemory`), so that queries still answer.
    public init(path: String, warn: (String) -> Void = ResultsIndex.warnOnStandardError) throws {
        self.path = path
        if let queue = try Self.openFile(path, warn: warn) {
            self.queue = queue
            isInMemory = false
            // In a group store every member writes the index: SQLite made it 0644 less the
            // umask, and makes its -wal and -shm files with the mode the database file has.
            if Store.isGroupStore((path as NSString).deletingLastPathComponent) {
                for suffix in ["", "-wal", "-shm"] { chmod(path + suffix, 0o660) }
            }
        } else {
            queue = try Self.wrap(path) { try Self.prepare(DatabaseQueue(configuration: Self.configuration)) }
            isInMemory = true
        }
    }

    private static var configuration: Configuration {
        var config = Configuration()
        // Two builds may sync one index at once; the second waits instead of failing.
        config.busyMode = .timeout(30)
        return config
    }

    /// The index file, opened for writing; nil when this process may not write it.
    private static func openFile(_ path: String, warn: (String) -> Void) throws -> DatabaseQueue? {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            guard (try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)) != nil else { return nil }
        }
        // SQLite would open a file it may not write read-only, and then fail to switch it to
        // WAL; WAL also needs to create its -wal and -shm files beside it.
        guard access(parent.isEmpty ? "." : parent, W_OK) == 0,
              access(path, F_OK) != 0 || access(path, W_OK) == 0 else { return nil }
        do {
            return try openWritable(path)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            let aside = try setAside(path)
            warn("results index \(path) is damaged (\(error.message ?? "\(error)")); moved it to \(aside) and rebuilt it from the action records")
            return try wrap(path) { try openWritable(path) }
        } catch let error as DatabaseError where Self.notWritable.contains(error.resultCode) {
            return nil
        } catch let error as DatabaseError {
            throw XGraphError.io("results index \(path): \(error.message ?? "\(error)")")
        }
    }

    /// SQLite's answers when this process may not write the file.
    private static let notWritable: [ResultCode] = [.SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH]

    private static func openWritable(_ path: String) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        // WAL lets `xgraph results` read while a build writes.
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        return try prepare(queue)
    }

    private static func prepare(_ queue: DatabaseQueue) throws -> DatabaseQueue {
        try queue.write { db in try ResultsSchema.prepare(db) }
        return queue
    }

    /// Renames a damaged index (and its -wal and -shm files) aside; never deletes it.
    private static func setAside(_ path: String) throws -> String {
        let aside = path + ".corrupt-" + TimeText.compactNow()
        guard rename(path, aside) == 0 else {
            throw XGraphError.io("results index \(path) is damaged and cannot be moved aside: \(String(cString: strerror(errno)))")
        }
        for suffix in ["-wal", "-shm"] { _ = rename(path + suffix, aside + suffix) }
        return aside
    }

    private static func wrap<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() }
        catch let error as DatabaseError {
            throw XGraphError.io("results index \(path): \(error.message ?? "\(error)")")
        }
    }

    /// Syncs with the readable records of a store scan and warns about each record file that
    /// could not be read: one damaged file must not hide every other result.
    @discardableResult
    public func sync(with scan: RecordScan, warn: (String) -> Void = ResultsIndex.warnOnStandardError) throws -> SyncSummary {
        for path in scan.unreadable { warn(Store.unreadableRecordMessage(path)) }
        return try sync(with: scan.records)
    }

    /// Makes the index hold exactly `records`: inserts those whose key is not indexed yet and
    /// deletes rows whose record is gone. It compares keys only, so it does not see a record
    /// replaced under its key (a rebuild under `--force`); `sync(with: Store)`, which commands
    /// use, does. When nothing changed it only reads the set of indexed keys.
    @discardableResult
    public func sync(with records: [ActionRecord]) throws -> SyncSummary {
        let wanted = Self.uniqueByKey(records)
        let indexed = try wrap { try queue.read { try Self.indexedKeys($0) } }
        if !Self.differs(indexed: indexed, wanted: wanted) { return SyncSummary(inserted: 0, deleted: 0) }
        return try wrap {
            try queue.write { db in
                // GRDB opens write transactions IMMEDIATE, so this holds the write lock: read the
                // keys again, as another process may have synced meanwhile.
                let indexed = try Self.indexedKeys(db)
                let stale = indexed.subtracting(wanted.keys)
                for key in stale {
                    try db.execute(sql: "DELETE FROM runs WHERE key = ?", arguments: [key])
                }
                var inserted = 0
                for (key, record) in wanted where !indexed.contains(key) {
                    guard try Self.insertOrSkip(record, db) else { continue }
                    inserted += 1
                }
                return SyncSummary(inserted: inserted, deleted: stale.count)
            }
        }
    }

    /// Adds records just written (a build's new results) without reading the rest of the store;
    /// keys already indexed are skipped. Each key is looked up on its own (the primary key's
    /// index), not by reading every indexed key: a build adds its records in batches as they
    /// come, and reading 50k keys per batch would make that quadratic. Each run keeps the digest
    /// of its record's encoding, which is the record file's bytes (`Store.write` writes that
    /// encoding), so the next `sync(with: Store)` reads the file once but decodes nothing.
    @discardableResult
    public func add(_ records: [ActionRecord]) throws -> Int {
        guard !records.isEmpty else { return 0 }
        let wanted = Self.uniqueByKey(records)
        return try wrap {
            try queue.write { db in
                let exists = try db.cachedStatement(sql: "SELECT 1 FROM runs WHERE key = ?")
                var inserted = 0
                for (key, record) in wanted where try Int.fetchOne(exists, arguments: [key]) == nil {
                    guard try Self.insertOrSkip(record, db) else { continue }
                    if let bytes = try? ActionRecordCoding.encode(record) {
                        try Self.insertFile(key: key, KnownRecordFile(digest: Digest.of(bytes), stamp: nil), db)
                    }
                    inserted += 1
                }
                return inserted
            }
        }
    }

    /// Empties the index and fills it from `records`.
    public func rebuild(from records: [ActionRecord]) throws {
        let wanted = Self.uniqueByKey(records)
        try wrap {
            try queue.write { db in
                for table in ["record_files", "metrics", "params", "axes", "runs"] {
                    try db.execute(sql: "DELETE FROM \(table)")
                }
                for record in wanted.values { _ = try Self.insertOrSkip(record, db) }
            }
        }
    }

    /// Every indexed run of `step`, oldest first: the scheduler's history for duration estimates.
    public func durations(step: String) throws -> [(node: String, axes: [String: String], seconds: Double)] {
        let runs = try wrap { try queue.read { try RunLoader.load($0, step: step, commit: nil) } }
        return runs.sorted { ($0.end, $0.key) < ($1.end, $1.key) }.map { run -> (node: String, axes: [String: String], seconds: Double) in
            (run.node, Dictionary(run.axes.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
             run.duration)
        }
    }

    /// `durations(step:)` with only the value of one axis (`axis`, e.g. the one holding data
    /// sizes; nil where a run lacks it or `axis` is nil): a plan's estimates need no more, and
    /// loading every run's axes and metrics for them was a sixth of a large report's time.
    public func durations(step: String, axis: String?) throws -> [(node: String, value: String?, seconds: Double)] {
        try wrap {
            try queue.read { db in
                var out: [(node: String, value: String?, seconds: Double)] = []
                let rows = try Row.fetchCursor(db, sql: """
                    SELECT r.node, a.value, r.duration_s FROM runs r
                    LEFT JOIN axes a ON a.key = r.key AND a.axis = ?
                    WHERE r.step = ? ORDER BY r."end", r.key
                    """, arguments: [axis, step])
                while let row = try rows.next() { out.append((row[0], row[1], row[2])) }
                return out
            }
        }
    }

    // MARK: - Writing

    private static func uniqueByKey(_ records: [ActionRecord]) -> [String: ActionRecord] {
        var out: [String: ActionRecord] = [:]
        out.reserveCapacity(records.count)
        for record in records where out[record.key.hex] == nil { out[record.key.hex] = record }
        return out
    }

    private static func differs(indexed: Set<String>, wanted: [String: ActionRecord]) -> Bool {
        indexed.count != wanted.count || wanted.keys.contains { !indexed.contains($0) }
    }

    private static func indexedKeys(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT key FROM runs"))
    }

    /// Inserts one record, or skips it with a warning when the index cannot take it (its metrics
    /// or params name one leaf twice: a record written before builds refused that, or written by
    /// hand): one record must never make every query of the store fail. `verify` reports such a
    /// record and `verify --repair` sets it aside.
    static func insertOrSkip(_ record: ActionRecord, _ db: Database, replacedFile: String? = nil) throws -> Bool {
        do {
            try db.inSavepoint {
                try insert(record, db, replacedFile: replacedFile)
                return .commit
            }
            return true
        } catch let error as JSONValue.FlatteningError {
            skipped(record, error.description)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            skipped(record, error.message ?? "\(error)")
        }
        return false
    }

    private static func skipped(_ record: ActionRecord, _ why: String) {
        warnOnStandardError("skipped the record of \(record.node) (records/\(record.key.hex.prefix(2))/\(record.key.hex).json) "
            + "in results: \(why); `xgraph verify --repair` sets it aside")
    }

    static func insert(_ record: ActionRecord, _ db: Database, replacedFile: String? = nil) throws {
        let key = replacedFile.map { "replaced:" + $0 } ?? record.key.hex
        let t = replacedFile == nil ? "" : "replaced_"
        let p = record.provenance
        try db.cachedStatement(sql: """
            INSERT INTO \(t)runs (key, node, step, git_commit, branch, dirty, diff_digest, xgraph_version,
                host, executor, gpu_model, gpu_ids, start, "end", duration_s, exit_status, attempt, output, untracked_code, build_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                key, record.node, record.step, p.gitCommit, p.gitBranch, p.gitDirty, p.gitDiffDigest?.hex,
                p.xgraphVersion, p.host, p.executor, p.gpuModel, p.gpuIDs.map(String.init).joined(separator: ","),
                TimeText.iso8601(p.start), TimeText.iso8601(p.end), max(0, p.end.timeIntervalSince(p.start)),
                Int(p.exitStatus), p.attempt, record.output.hex, p.untrackedCode?.digest.hex, p.buildID,
            ])
        let axis = try db.cachedStatement(sql: "INSERT OR IGNORE INTO \(t)axes (key, axis, ord, value) VALUES (?, ?, ?, ?)")
        for (i, entry) in record.axes.enumerated() {
            try axis.execute(arguments: [key, entry.name, i, entry.value])
        }
        let param = try db.cachedStatement(sql: "INSERT INTO \(t)params (key, name, value_json, value_num) VALUES (?, ?, ?, ?)")
        for row in try RecordRows.params(record.params) {
            try param.execute(arguments: [key, row.name, row.json, row.number])
        }
        let metric = try db.cachedStatement(sql: "INSERT INTO \(t)metrics (key, name, value) VALUES (?, ?, ?)")
        for row in try RecordRows.metrics(record.metrics) {
            try metric.execute(arguments: [key, row.name, row.value])
        }
    }

    /// SQLite errors reach users as one readable line.
    func wrap<T>(_ body: () throws -> T) throws -> T {
        try Self.wrap(path, body)
    }
}
