import Foundation
import XGraphCore

/// `resume/<key>/`: the XGRAPH_RESUME scratch folder of a `resume: true` step. It survives
/// failed and killed attempts of the same key, is not part of the key, and is removed when
/// the node succeeds. A run lease on the key keeps two processes from using it at once.
/// `resume/<key>.node` beside it holds the node name, for people looking at the folder.
extension Store {
    var resumeDir: String { root + "/resume" }

    public func resumeDirectory(forNode node: String, key: Digest) throws -> String {
        let path = resumeDir + "/" + key.hex
        try POSIX.makeDirectories(path)
        if !POSIX.exists(path + ".node") {
            try POSIX.publish(Data((node + "\n").utf8), at: path + ".node", tempDir: tmpDir,
                              tempName: tempName("resume"), overwrite: true)
        }
        return path
    }

    public func removeResumeDirectory(forNode node: String, key: Digest) {
        let path = resumeDir + "/" + key.hex
        POSIX.removeTree(path)
        POSIX.removeTree(path + ".node")
    }
}
