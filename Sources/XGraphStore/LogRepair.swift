import Foundation
import XGraphCore

/// Rewriting keys.log and nodes.log whole, for `verify --repair`. Each new file replaces the old
/// by one rename, so readers see the old log or the new one. A line another process appends
/// between the read and the rename is lost; that costs only speed, since the records answer for
/// keys missing from keys.log (and append their line again), and nodes.log only feeds `plan`
/// reasons.
extension Store {
    func rewriteKeyLog(from records: [ActionRecord]) throws {
        var text = ""
        text.reserveCapacity(records.count * 146)
        for r in records { text += KeyLog.line(key: r.key, output: r.output) }
        try POSIX.publish(Data(text.utf8), at: keyLogPath, tempDir: tmpDir, tempName: tempName("keys"), overwrite: true, mode: 0o666)
        caches.withLock { $0.outputs = nil }
    }

    /// Removes the nodes.log lines of `keys` (and lines that cannot be read); returns how many
    /// lines of `keys` there were.
    func dropNodeLogLines(of keys: Set<Digest>) throws -> Int {
        let dropped = try dropKeyedLines(of: keys, at: nodeLogPath, kind: "nodes")
        if dropped > 0 { caches.withLock { $0.lastKeys = nil } }
        return dropped
    }

    /// Removes the keys.log lines of `keys` (gc), the same way.
    func dropKeyLogLines(of keys: Set<Digest>) throws {
        if try dropKeyedLines(of: keys, at: keyLogPath, kind: "keys") > 0 { caches.withLock { $0.outputs = nil } }
    }

    /// Rewrites a log of keyed lines without those of `keys`, by one rename; 0 and no rewrite
    /// when it has none.
    private func dropKeyedLines(of keys: Set<Digest>, at path: String, kind: String) throws -> Int {
        guard let data = POSIX.readFile(path) else { return 0 }
        var kept = Data()
        var dropped = 0
        KeyedLines.forEach(in: data) { key, _, line in
            if keys.contains(key) { dropped += 1; return }
            kept.append(contentsOf: line)
            kept.append(0x0A)
        }
        guard dropped > 0 else { return 0 }
        try POSIX.publish(kept, at: path, tempDir: tmpDir, tempName: tempName(kind), overwrite: true, mode: 0o666)
        return dropped
    }
}
