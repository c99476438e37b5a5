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
    private let lock = NSLock()
    private var codeDigests: [String: Digest] = [:]
    private var fingerprints: [Int: Digest] = [:]
    private let partCache = KeyPartCache()

    init(graph: Graph, store: Store, forced: Set<Int>, builtinVersion: Int) {
        self.graph = graph; self.store = store; self.forced = forced; self.builtinVersion = builtinVersion
    }

    /// Digests every `code:` path of the selected nodes once (a stat and a lookup when unchanged).
    func digestCode(of selection: [Int]) throws {
        var paths = Set<String>()
        for i in selection { paths.formUnion(graph.nodes[i].code) }
        var out: [String: Digest] = [:]
        for p in paths.sorted() {
            guard let st = FileStat.of(path: p) else {
                // The loader checked it; it went away since. Point at the step that names it.
                let node = selection.lazy.map { self.graph.nodes[$0] }.first { $0.code.contains(p) }
                let written = node.flatMap { n in zip(n.code, n.codeNames).first { $0.0 == p }?.1 } ?? p
                throw XGraphError.spec(node?.location, "code path '\(written)' of step '\(node?.step ?? "?")' "
                    + "does not exist (looked for \(p))")
            }
            out[p] = st.isDirectory ? try store.digestOfTree(p) : try store.digestOfFile(p)
        }
        lock.withLock { codeDigests = out }
    }

    /// A dataset's fingerprint: its "output digest" for downstream keys.
    func fingerprint(_ i: Int) throws -> Digest {
        if let d = lock.withLock({ fingerprints[i] }) { return d }
        guard case .source(let path, let mode) = graph.nodes[i].kind else {
            throw XGraphError.build("\(graph.nodes[i].id) is not a dataset")
        }
        let d: Digest
        switch mode {
        case .version(let v):
            // A hand-bumped version stands for the data: no need to touch (or even mount) it.
            d = Digest.of("version:\(v)")
        case .content, .stat:
            guard let st = FileStat.of(path: path) else {
                throw XGraphError.build("dataset \(graph.nodes[i].id): \(path) does not exist"
                    + (path.hasPrefix(BuiltinSteps.fashionMNISTDirectory) ? " (apt-get install dataset-fashion-mnist)" : ""))
            }
            if mode == .stat { d = try store.statFingerprint(path) }
            else { d = st.isDirectory ? try store.digestOfTree(path) : try store.digestOfFile(path) }
        }
        lock.withLock { fingerprints[i] = d }
        return d
    }

    func key(_ i: Int, inputDigests: [String: Digest]) throws -> NodeKey {
        let codes = lock.withLock { codeDigests }
        return try NodeKeyer.key(for: graph.nodes[i], codeDigests: codes, inputDigests: inputDigests,
                                 builtinVersion: builtinVersion, cache: partCache)
    }

    /// The cached output for this key, unless the node is forced.
    func cachedOutput(_ i: Int, key: NodeKey) -> Digest? {
        if forced.contains(i) { return nil }
        guard let out = store.outputDigest(forKey: key.key), store.hasArtifact(out) else { return nil }
        return out
    }

    /// Why a node with this key must run, against the last build of the same node name.
    func reason(_ i: Int, key: NodeKey?) -> RunReason {
        if forced.contains(i) { return .forced }
        let id = graph.nodes[i].id
        guard let last = store.lastKey(forNode: id), let record = try? store.record(forKey: last) else {
            return .neverBuilt
        }
        guard let key else { return .neverBuilt }
        return .changed(KeyDiff.changes(from: record.keyParts, to: key.parts))
    }
}
