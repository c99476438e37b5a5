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
        try POSIX.publish(Data(text.utf8), at: keyLogPath, tempDir: tmpDir, tempName: tempName("keys"), overwrite: true)
        caches.withLock { $0.outputs = nil }
    }

    /// Removes the nodes.log lines of `keys` (and lines that cannot be read); returns how many
    /// lines of `keys` there were.
    func dropNodeLogLines(of keys: Set<Digest>) throws -> Int {
        guard let data = POSIX.readFile(nodeLogPath) else { return 0 }
        var kept = Data()
        var dropped = 0
        KeyedLines.forEach(in: data) { key, _, line in
            if keys.contains(key) { dropped += 1; return }
            kept.append(contentsOf: line)
            kept.append(0x0A)
        }
        guard dropped > 0 else { return 0 }
        try POSIX.publish(kept, at: nodeLogPath, tempDir: tmpDir, tempName: tempName("nodes"), overwrite: true)
        caches.withLock { $0.lastKeys = nil }
        return dropped
    }
}
