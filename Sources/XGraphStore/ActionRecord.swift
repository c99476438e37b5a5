import Foundation
import XGraphCore

/// What one successful run of a node produced: written once, atomically, under its key.
/// The store's records are the source of truth; the results index is derived from them.
///
/// On-disk format: canonical JSON (sorted keys) at `records/<key[0..2]>/<key>.json`.
/// Version History:
/// * 1: first version.
public struct ActionRecord: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public var version: Int
    /// Readable node name, e.g. `pretrain/data=30M/model=r101`.
    public var node: String
    public var step: String
    /// Axis name → value label, in the order the step's `foreach` declares them.
    public var axes: [AxisEntry]
    /// The resolved parameters the command saw (the XGRAPH_PARAMS file).
    public var params: JSONValue
    /// What the step wrote to `$XGRAPH_OUT/metrics.json` (an object), or `{}`.
    public var metrics: JSONValue
    public var key: Digest
    /// Every component of the key, so `xgraph explain` can say which one changed.
    public var keyParts: [KeyPart]
    /// Input name → the output digest of the upstream node it was built from.
    public var inputs: [String: Digest]
    /// The digest of the whole output tree: what downstream keys hash.
    public var output: Digest
    /// Declared output path → its digest (file blob or sub-tree).
    public var outputs: [String: Digest]
    public var provenance: Provenance

    public init(version: Int = ActionRecord.currentVersion, node: String, step: String, axes: [AxisEntry],
                params: JSONValue, metrics: JSONValue, key: Digest, keyParts: [KeyPart],
                inputs: [String: Digest], output: Digest, outputs: [String: Digest], provenance: Provenance) {
        self.version = version; self.node = node; self.step = step; self.axes = axes
        self.params = params; self.metrics = metrics; self.key = key; self.keyParts = keyParts
        self.inputs = inputs; self.output = output; self.outputs = outputs; self.provenance = provenance
    }
}

public struct AxisEntry: Codable, Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// Code a run used that its commit does not pin down.
public struct UntrackedCode: Codable, Sendable, Equatable {
    public var paths: [String]
    /// SHA-256 over the key parts (`code:PATH` and its content digest) of `paths`.
    public var digest: Digest
    public init(paths: [String], digest: Digest) { self.paths = paths; self.digest = digest }
}

/// Who, where and when: docs/design.md §6.
public struct Provenance: Codable, Sendable, Equatable {
    public var gitCommit: String?
    public var gitBranch: String?
    public var gitDirty: Bool?
    /// SHA-256 of the uncommitted diff (tracked changes and untracked files), when dirty.
    public var gitDiffDigest: Digest?
    public var xgraphVersion: String
    public var host: String
    public var executor: String
    public var gpuModel: String?
    public var gpuIDs: [Int]
    public var start: Date
    public var end: Date
    public var exitStatus: Int32
    public var attempt: Int
    /// The `code:` paths (as written) that held files git does not track (ignored, untracked, or
    /// outside the repository), and the digest of those paths' contents: the commit alone does
    /// not say what this code was. Nil (and absent from the record) when there were none.
    public var untrackedCode: UntrackedCode?
    /// Which `xgraph build` recorded the run (its Slurm jobs carry the head's): the report's
    /// timeline shows the runs of one build, however long the gaps between them.
    public var buildID: String?
    /// The attempt's log, relative to the store (`logs/<aa>/….log`): `gc` keeps it with the
    /// record. Older records lack it (gc then matches logs by node name and time).
    public var log: String?
    /// Set when the record came from a remote cache (docs/remote.md) instead of a run here; the
    /// other fields stay the builder's (its host, commit, times). Nil (absent) for local runs.
    public var remote: RemoteOrigin?

    public init(gitCommit: String?, gitBranch: String?, gitDirty: Bool?, gitDiffDigest: Digest?,
                xgraphVersion: String, host: String, executor: String, gpuModel: String?, gpuIDs: [Int],
                start: Date, end: Date, exitStatus: Int32, attempt: Int) {
        self.gitCommit = gitCommit; self.gitBranch = gitBranch; self.gitDirty = gitDirty
        self.gitDiffDigest = gitDiffDigest; self.xgraphVersion = xgraphVersion; self.host = host
        self.executor = executor; self.gpuModel = gpuModel; self.gpuIDs = gpuIDs
        self.start = start; self.end = end; self.exitStatus = exitStatus; self.attempt = attempt
    }
}

/// Where a record fetched from a remote cache came from, and who vouched for it.
public struct RemoteOrigin: Codable, Sendable, Equatable {
    /// The remote's URL (it holds no credentials: they are refused in remote URLs).
    public var url: String
    public var fetched: Date
    /// The Ed25519 public key that signed the record (`ed25519:…`), nil when unsigned.
    public var signer: String?
    /// `user@host` of whoever pushed it.
    public var pushedBy: String?
    public init(url: String, fetched: Date, signer: String?, pushedBy: String?) {
        self.url = url; self.fetched = fetched; self.signer = signer; self.pushedBy = pushedBy
    }
}
