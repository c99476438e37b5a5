import Foundation
import XGraphCore

/// The store's content-addressed part: file contents (`blobs/`), tree manifests (`trees/`) and
/// materialised trees (`artifacts/`). Everything here is named by its SHA-256 and never changes
/// once renamed into place. This type owns those folder names; what reads and writes them
/// (ingest, staging, verify, gc) goes through the `Store` façade, which holds the caches and
/// the locks those operations share with the other parts.
public struct ContentStore: Sendable {
    let root: String

    static let folders = ["blobs", "trees", "artifacts"]

    var blobsDir: String { root + "/blobs" }
    var treesDir: String { root + "/trees" }
    var artifactsDir: String { root + "/artifacts" }

    /// `blobs/<aa>/<digest>`, or `<digest>.x` for the executable variant (hard links share their
    /// mode, so the two variants are separate files).
    func blobPath(_ d: Digest, executable: Bool) -> String {
        "\(blobsDir)/\(Store.fanOut(d.hex))/\(d.hex)\(executable ? ".x" : "")"
    }
    func manifestPath(_ d: Digest) -> String { "\(treesDir)/\(Store.fanOut(d.hex))/\(d.hex).json" }
    func artifactPath(_ tree: Digest) -> String { artifactsDir + "/" + tree.hex }
    func artifactPath(named name: String) -> String { artifactsDir + "/" + name }
    /// The folders a step must never write into: its inputs are hard links to blobs.
    var immutableFolders: [String] { [artifactsDir, blobsDir] }
}
