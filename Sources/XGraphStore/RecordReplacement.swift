import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

extension Store {
    /// Writes the record of a node this process has just run under its lease. Records are
    /// write-once between racing writers, but a node is run under the lease only when its record
    /// is absent or cannot be used: `--force`, an output artifact that is gone, or a record that
    /// cannot be read. Then the new record replaces the old one (kept under `history/`, never
    /// deleted), so dependents and queries see the outputs that were just made; keeping the old
    /// record would hand them bytes that nothing references any more.
    @discardableResult
    public func writeRunRecord(_ record: ActionRecord) throws -> ActionRecord {
        let path = recordPath(record.key)
        guard POSIX.exists(path) else { return try write(record) }
        let historyDir = actions.historyFolder(record.key)
        try POSIX.makeDirectories(historyDir)
        let kept = "\(historyDir)/\(record.key.hex).\(TimeText.compactNow())-\(getpid()).json"
        // A hard link keeps the old record readable at its name until the new one replaces it.
        if link(path, kept) != 0 && errno != EEXIST {
            guard rename(path, kept) == 0 || errno == ENOENT else { throw POSIX.ioError("keep the old record as", kept) }
        }
        let data = try ActionRecordCoding.encode(record)
        try POSIX.publish(data, at: path, tempDir: tmpDir, tempName: tempName("record"), overwrite: true, mode: 0o444)
        // The new record's output is in the store: the old one's was what was lost.
        clearLostMark(record.key)
        try logWritten(record)
        return record
    }
}

extension Store {
    /// The records replaced by re-runs (`history/`), by file name (`<key>.<time>-<pid>.json`,
    /// never reused). Unreadable ones are left out: they are history, not results.
    public func replacedRecordNames() -> [String] {
        var out: [String] = []
        let dir = actions.historyDir
        for fan in POSIX.list(dir) ?? [] {
            for name in POSIX.list(dir + "/" + fan) ?? [] where name.hasSuffix(".json") { out.append(name) }
        }
        return out
    }

    /// The replaced record kept under `name` in history/, if it can be read as its key's record.
    public func replacedRecord(named name: String) -> ActionRecord? {
        guard let dot = name.firstIndex(of: "."), let key = Digest(hex: String(name[..<dot])),
              let data = POSIX.readFile(actions.historyFolder(key) + "/" + name),
              case .good(let record) = Self.decodeRecord(data, key: key) else { return nil }
        return record
    }
}
