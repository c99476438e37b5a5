import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

extension Store {
    /// The record stored under `key`, if any.
    public func record(forKey key: Digest) throws -> ActionRecord? {
        let path = recordPath(key)
        guard let data = POSIX.readFile(path) else { return nil }
        do {
            return try ActionRecordCoding.decode(data)
        } catch {
            throw XGraphError.store("action record \(path) is unreadable: \(error)")
        }
    }

    /// The output tree of the node built under `key`: the null-build fast path. After the
    /// first call this is a dictionary lookup (keys.log is read once); a key missing from it
    /// (written by another process since, or lost to a torn line) is looked up in its record.
    /// It does not check that the artifact is still present; see `hasArtifact`.
    public func outputDigest(forKey key: Digest) -> Digest? {
        let cached: Digest? = caches.withLock { c in
            if c.outputs == nil { c.outputs = KeyLog.load(keyLogPath) }
            return c.outputs![key]
        }
        if let cached { return cached }
        guard let record = try? record(forKey: key) else { return nil }
        caches.withLock { $0.outputs?[key] = record.output }
        return record.output
    }

    /// Writes `record` under its key once: if a record for the key exists (written by anyone,
    /// even at the same moment), that one is kept and returned. The file appears complete by
    /// `link(2)` from tmp/ after fsync; then its line is appended to keys.log.
    @discardableResult
    public func write(_ record: ActionRecord) throws -> ActionRecord {
        if let existing = try self.record(forKey: record.key) { return existing }
        let data = try ActionRecordCoding.encode(record)
        let wrote = try POSIX.publish(data, at: recordPath(record.key), tempDir: tmpDir,
                                      tempName: tempName("record"), overwrite: false, mode: 0o444)
        guard wrote else {
            guard let existing = try self.record(forKey: record.key) else {
                throw XGraphError.store("action record \(record.key) vanished while being written")
            }
            return existing
        }
        try KeyLog.append(key: record.key, output: record.output, to: keyLogPath)
        caches.withLock { $0.outputs?[record.key] = record.output }
        return record
    }

    /// Every action record in the store, sorted by key.
    public func allRecords() throws -> [ActionRecord] {
        var records: [ActionRecord] = []
        let dir = root + "/records"
        for fan in (POSIX.list(dir) ?? []).sorted() {
            for name in (POSIX.list(dir + "/" + fan) ?? []).sorted() where name.hasSuffix(".json") {
                let path = dir + "/" + fan + "/" + name
                guard let data = POSIX.readFile(path) else { throw POSIX.ioError("read", path) }
                do {
                    records.append(try ActionRecordCoding.decode(data))
                } catch {
                    throw XGraphError.store("action record \(path) is unreadable: \(error)")
                }
            }
        }
        return records
    }
}
