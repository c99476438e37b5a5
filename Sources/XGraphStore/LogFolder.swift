import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The store's logs, flat in `logs/<h[0..2]>/` with h = sha256(node name): one file per attempt,
/// named `<h>.<UTC yyyyMMdd'T'HHmmss.nnnnnnnnn>-<pid>-attempt<n>.log` (TimeText.compact), so the
/// attempts of later builds never overwrite earlier ones and the newest attempt is the greatest
/// name. One file per attempt and nothing else (no folder, name file or link per node): creating
/// files is most of what a short step costs on ext4. Logs are not content addressed and are
/// kept after failures; each attempt's params file sits beside its log.
public struct LogFolder: Sendable {
    let root: String

    static let folders = ["logs"]

    private func location(_ node: String) -> (dir: String, prefix: String) {
        let h = Digest.of(node).hex
        return ("\(root)/logs/\(Store.fanOut(h))", h + ".")
    }

    /// A new log file path for this attempt; the caller creates and writes the file.
    public func logPath(forNode node: String, attempt: Int) throws -> String {
        let (dir, prefix) = location(node)
        try POSIX.makeDirectories(dir)
        let stamp = TimeText.compactNow()
        return "\(dir)/\(prefix)\(stamp)-\(getpid())-attempt\(attempt).log"
    }

    /// The newest attempt's log of this node, if there is one: the fixed-width time stamp makes
    /// it the greatest name.
    public func latestLog(forNode node: String) -> String? {
        let (dir, prefix) = location(node)
        let names = (POSIX.list(dir) ?? []).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".log") }
        return names.max().map { dir + "/" + $0 }
    }
}

extension Store {
    public func logPath(forNode node: String, attempt: Int) throws -> String {
        try logs.logPath(forNode: node, attempt: attempt)
    }

    public func latestLog(forNode node: String) -> String? { logs.latestLog(forNode: node) }
}
