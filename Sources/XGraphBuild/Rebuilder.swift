import Foundation
import XGraphCore
import XGraphGraph
import XGraphKeys
import XGraphStore

/// Decides, node by node, whether a stored result can be reused: the constructive-trace
/// rebuilder over the content-addressed store. It reads the file system (digests, records) but
/// never runs a process.
final class Rebuilder: @unchecked Sendable {
    let graph: Graph
    let store: Store
    let forced: Set<Int>
    let builtinVersion: Int
    /// Whether a lost artifact may be rebuilt from its blobs (a build may write; a plan may not).
    let restore: Bool
    private let lock = NSLock()
    private var codeDigests: [String: Digest] = [:]
    private var fingerprints: [Int: Digest] = [:]
    private let partCache = KeyPartCache()
    /// `BuildOptions.codeDigests`: code digests given instead of read from disk.
    private let givenCode: [String: Digest]

    init(graph: Graph, store: Store, forced: Set<Int>, builtinVersion: Int, restore: Bool, givenCode: [String: Digest] = [:]) {
        self.graph = graph; self.store = store; self.forced = forced; self.builtinVersion = builtinVersion
        self.restore = restore; self.givenCode = givenCode
    }

    /// Digests every `code:` path of the selected nodes once (a stat and a lookup when unchanged).
    func digestCode(of selection: [Int]) throws {
        var paths = Set<String>()
        for i in selection {
            paths.formUnion(graph.nodes[i].code)
            // A .sif image is a file the node depends on, digested like its code.
            if let image = graph.nodes[i].container?.imageFile { paths.insert(image) }
        }
        var out: [String: Digest] = [:]
        for p in paths.sorted() {
            guard let digest = try givenCode[p] ?? digestCode(p) else {
                // The loader checked it; it went away since. Point at the step that names it.
                let node = selection.lazy.map { self.graph.nodes[$0] }.first { $0.code.contains(p) || $0.container?.imageFile == p }
                if let node, let container = node.container, container.imageFile == p {
                    throw XGraphError.spec(container.location, "container image '\(container.written)' of step '\(node.step)' "
                        + "does not exist (looked for \(p))")
                }
                let written = node.flatMap { n in zip(n.code, n.codeNames).first { $0.0 == p }?.1 } ?? p
                throw XGraphError.spec(node?.location, "code path '\(written)' of step '\(node?.step ?? "?")' "
                    + "does not exist (looked for \(p))")
            }
            out[p] = digest
        }
        lock.withLock { codeDigests = out }
    }

    /// The digest of a `code:` path; nil if nothing is there.
    private func digestCode(_ p: String) throws -> Digest? { try Self.digestCode(p, store: store) }

    /// The digest of a `code:` path (or a container image file); nil if nothing is there. The
    /// head and a cluster job's runner digest code the same way.
    static func digestCode(_ p: String, store: Store) throws -> Digest? {
        guard let st = FileStat.of(path: p) else { return nil }
        // A code folder's .git and store change with every commit and build, not with the code.
        return st.isDirectory ? try store.digestOfTree(p, skippingRepositoriesAndStores: true) : try store.digestOfFile(p)
    }

    /// A dataset's fingerprint: its "output digest" for downstream keys.
    func fingerprint(_ i: Int) throws -> Digest {
        if let d = lock.withLock({ fingerprints[i] }) { return d }
        let d = try computeFingerprint(i)
        lock.withLock { fingerprints[i] = d }
        return d
    }

    /// The fingerprint says which data, not only what state it is in: a version or stat
    /// fingerprint also hashes the dataset's absolute path (resolved through links for stat),
    /// so two datasets at `version: "1"`, or two shards of one size and mtime, never stand in
    /// for each other. A content fingerprint is the data itself: identical bytes anywhere are
    /// the same data.
    private func computeFingerprint(_ i: Int) throws -> Digest {
        guard case .source(let path, let mode) = graph.nodes[i].kind else {
            throw XGraphError.build("\(graph.nodes[i].id) is not a dataset")
        }
        return try Self.fingerprint(dataset: graph.nodes[i].id, path: path, mode: mode, store: store)
    }

    /// A dataset's fingerprint, computed the same way by the head and a cluster job's runner.
    static func fingerprint(dataset id: String, path: String, mode: FingerprintMode, store: Store) throws -> Digest {
        switch mode {
        case .version(let v):
            // A hand-bumped version stands for the data: no need to touch (or even mount) it.
            return Digest.of("xgraph-dataset-version 1\0\(path)\0\(v)")
        case .content, .stat:
            guard let st = FileStat.of(path: path) else {
                throw XGraphError.build("dataset \(id): \(path) does not exist"
                    + (path.hasPrefix(BuiltinSteps.fashionMNISTDirectory) ? " (apt-get install dataset-fashion-mnist)" : ""))
            }
            if mode == .stat {
                let resolved = (path as NSString).resolvingSymlinksInPath
                return Digest.of("xgraph-dataset-stat 1\0\(resolved)\0\(try store.statFingerprint(path).hex)")
            }
            return st.isDirectory ? try store.digestOfTree(path) : try store.digestOfFile(path)
        }
    }

    /// What a node's key was computed from that is no longer so: its `code:` paths and the
    /// datasets it reads directly, digested again (a stat each while unchanged). A researcher
    /// may edit a script while the grid trains; a node whose code or data changed while it ran
    /// must not be recorded under the key of the old ones.
    func changedSinceKeyed(_ i: Int) -> [String] {
        let node = graph.nodes[i]
        let (codes, prints) = lock.withLock { (codeDigests, fingerprints) }
        var changed: [String] = []
        for p in node.code where (try? digestCode(p)) != codes[p] { changed.append("code \(p)") }
        if let image = node.container?.imageFile, (try? digestCode(image)) != codes[image] { changed.append("container image \(image)") }
        for edge in node.inputs {
            guard let j = graph.index(of: edge.node), case .source(let path, _) = graph.nodes[j].kind,
                  let before = prints[j] else { continue }
            if (try? computeFingerprint(j)) != before { changed.append("dataset \(edge.node) (\(path))") }
        }
        return changed
    }

    func key(_ i: Int, inputDigests: [String: Digest]) throws -> NodeKey {
        let codes = lock.withLock { codeDigests }
        return try NodeKeyer.key(for: graph.nodes[i], codeDigests: codes, inputDigests: inputDigests,
                                 builtinVersion: builtinVersion, cache: partCache)
    }

    /// The cached output for this key, unless the node is forced. A recorded output whose
    /// artifact is gone is rebuilt from the store's manifest and blobs when `restore` allows
    /// (a build; a plan writes nothing) and they are intact.
    func cachedOutput(_ i: Int, key: NodeKey) -> Digest? {
        if forced.contains(i) { return nil }
        guard let out = store.outputDigest(forKey: key.key) else { return nil }
        return usable(out) ? out : nil
    }

    /// Whether the output tree `out` is in the store, or (`restore`) could be rebuilt there.
    private func usable(_ out: Digest) -> Bool {
        store.hasArtifact(out) || (restore && store.restoreArtifact(out))
    }

    /// The record a job of node `i` left under `key`, when its output can be used. A forced
    /// node's earlier record is what it was forced past: only the one its job wrote (the run
    /// whose log is `log`) counts.
    func jobRecord(_ i: Int, key: NodeKey, log: String) -> ActionRecord? {
        guard let record = store.recordLearned(forKey: key.key) else { return nil }
        if forced.contains(i) && record.provenance.log != store.relativePath(log) { return nil }
        return usable(record.output) ? record : nil
    }

    /// Why a node with this key must run, against the last build of the same node name.
    func reason(_ i: Int, key: NodeKey?) -> RunReason {
        if forced.contains(i) { return .forced }
        if let key, store.outputDigest(forKey: key.key) != nil {
            return store.outputWasRemovedAsDamaged(forKey: key.key) ? .outputDamaged : .outputMissing
        }
        let id = graph.nodes[i].id
        guard let last = store.lastKey(forNode: id), let record = try? store.record(forKey: last) else {
            return .neverBuilt
        }
        guard let key else { return .neverBuilt }
        return .changed(KeyDiff.changes(from: record.keyParts, to: key.parts))
    }
}
