import Foundation
import XGraphCore

/// `nodes/<sha256(name)>.json`: the key of each node name's most recent successful build, for
/// `xgraph explain` and plan reasons. The name is inside, so a file names what it is about.
/// Format (sorted keys): {"key":"<hex>","node":"<name>","version":1}
///
/// Version History:
/// * 1: first version.
struct LastBuildEntry: Codable {
    var version: Int
    var node: String
    var key: Digest
}

extension Store {
    private func lastBuildPath(_ node: String) -> String { root + "/nodes/" + Digest.of(node).hex + ".json" }

    /// The key of the last successful build of the node with this name, if any.
    public func lastKey(forNode node: String) -> Digest? {
        guard let data = POSIX.readFile(lastBuildPath(node)),
              let entry = try? JSONDecoder().decode(LastBuildEntry.self, from: data),
              entry.node == node else { return nil }
        return entry.key
    }

    /// Records `key` as the node's last successful build (atomic replace; the last writer wins).
    public func setLastKey(_ key: Digest, forNode node: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        let data = try e.encode(LastBuildEntry(version: 1, node: node, key: key))
        try POSIX.publish(data, at: lastBuildPath(node), tempDir: tmpDir, tempName: tempName("node"), overwrite: true)
    }
}
