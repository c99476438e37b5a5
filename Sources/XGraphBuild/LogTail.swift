import Foundation
import XGraphCore

/// The end of a node's log, for the messages that say why it failed: `build`'s closing lines
/// and `status` show the step's last output lines instead of only "exit status 1".
public enum LogTail {
    /// The last `count` non-empty lines of the log (read from its last 16 KiB).
    public static func lines(_ path: String, count: Int = 5) -> [String] {
        guard let h = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        try? h.seek(toOffset: size > 16_384 ? size - 16_384 : 0)
        let all = String(decoding: (try? h.readToEnd()) ?? Data(), as: UTF8.self).split(separator: "\n")
            .map { String($0) }.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return Array(all.suffix(count))
    }

    /// The line a build appends to the log of a node that failed for good under `key`.
    static func failedLine(key: Digest, status: String) -> String {
        "xgraph: failed (key \(key.hex)): \(status)"
    }

    /// If the node's newest log ends a failure of `key`: the failure and the step's last output
    /// lines before it.
    public static func failure(ofKey key: Digest, log path: String) -> (status: String, output: [String])? {
        let tail = lines(path, count: 12)
        let prefix = "xgraph: failed (key \(key.hex)): "
        guard let i = tail.lastIndex(where: { $0.hasPrefix(prefix) }) else { return nil }
        let output = tail[..<i].filter { !$0.hasPrefix("xgraph: ") }.suffix(3)
        return (String(tail[i].dropFirst(prefix.count)), Array(output))
    }
}
