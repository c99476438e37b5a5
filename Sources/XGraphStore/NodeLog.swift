import Foundation
import XGraphCore

/// nodes.log: the key of each node name's most recent successful build, for `xgraph explain` and
/// plan reasons. One line per successful build, appended with O_APPEND in one write(2):
///
///     <key: 64 hex> SP <node name, with `\` as `\\` and LF as `\n`> LF
///
/// The last line of a name wins. A log, not a file per node: a short step's cost is mostly the
/// files it creates. Lines are read as keys.log's are (KeyedLines): a torn last line of a killed
/// process is skipped, which only makes `plan` say "never built" instead of what changed.
///
/// Version History:
/// * 1: first version (store layout 2; layout 1 kept one JSON file per node under nodes/).
enum NodeLog {
    static func load(_ path: String) -> [String: Digest] {
        guard let data = POSIX.readFile(path) else { return [:] }
        var map: [String: Digest] = [:]
        KeyedLines.forEach(in: data) { key, name, _ in map[unescape(String(decoding: name, as: UTF8.self))] = key }
        return map
    }

    static func line(key: Digest, node: String) -> String {
        key.hex + " " + node.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n") + "\n"
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var escaped = false
        for c in s {
            if escaped { out.append(c == "n" ? "\n" : c); escaped = false }
            else if c == "\\" { escaped = true }
            else { out.append(c) }
        }
        return out
    }
}

extension Store {
    var nodeLogPath: String { actions.nodeLogPath }

    /// The key of the last successful build of the node with this name, if any.
    public func lastKey(forNode node: String) -> Digest? {
        caches.withLock { c in
            if c.lastKeys == nil { c.lastKeys = NodeLog.load(nodeLogPath) }
            return c.lastKeys![node]
        }
    }

    /// Records `key` as the node's last successful build (the last line written wins).
    public func setLastKey(_ key: Digest, forNode node: String) throws {
        try POSIX.append(Data(NodeLog.line(key: key, node: node).utf8), to: nodeLogPath)
        caches.withLock { $0.lastKeys?[node] = key }
    }
}
