import XGraphCore
import XGraphGraph
import XGraphStore

/// A node's key and the parts it was hashed from.
public struct NodeKey: Sendable, Equatable {
    public var key: Digest
    public var parts: [KeyPart]
}

/// Computes node keys: shallow constructive traces (DESIGN §4). A key hashes what determines a
/// node's outputs and nothing else: never the store location, the attempt, the executor or its
/// resources (GPU count only when the step declares that it changes results).
public enum NodeKeyer {
    /// - Parameters:
    ///   - codeDigests: content digest of each absolute path in `node.code`.
    ///   - inputDigests: input name → the *output* digest of the upstream node (not its key), so
    ///     identical upstream bytes leave this key alone (early cutoff).
    ///   - builtinVersion: the version of the built-in steps, for `.builtin` nodes.
    public static func key(for node: Node, codeDigests: [String: Digest], inputDigests: [String: Digest],
                           builtinVersion: Int) throws -> NodeKey {
        var parts: [KeyPart] = []
        func add(_ name: String, _ value: String) {
            parts.append(KeyPart(name: name, value: value, digest: Digest.of(value)))
        }
        add("version", String(KeyVersion.current))
        switch node.kind {
        case .shell: add("kind", "shell")
        case .builtin(let b): add("kind", "builtin:\(b) v\(builtinVersion)")
        case .source: throw XGraphError.build("dataset \(node.id) has a fingerprint, not a key")
        }
        for (name, value) in (node.params.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            add("param:\(name)", value.canonical)
        }
        add("command", node.command)
        for (path, name) in zip(node.code, node.codeNames) {
            guard let d = codeDigests[path] else {
                throw XGraphError.build("no digest for code \(name) of \(node.id)")
            }
            parts.append(KeyPart(name: "code:\(name)", value: d.hex, digest: d))
        }
        for (name, value) in node.env.sorted(by: { $0.key < $1.key }) {
            add("env:\(name)", value)
        }
        add("outputs", JSONValue.array(node.outputs.sorted().map(JSONValue.string)).canonical)
        if node.gpusInKey { add("gpus", String(node.resources.gpus)) }
        for edge in node.inputs.sorted(by: { $0.name < $1.name }) {
            guard let d = inputDigests[edge.name] else {
                throw XGraphError.build("input \(edge.name) of \(node.id) has no output digest yet")
            }
            parts.append(KeyPart(name: "input:\(edge.name)", value: d.hex, digest: d))
        }
        return NodeKey(key: combine(parts), parts: parts)
    }

    /// The canonical encoding: one line per part, `name NUL digest`, in the order above, under a
    /// domain-separating header. Names cannot contain NUL or newline, so the encoding is unambiguous.
    static func combine(_ parts: [KeyPart]) -> Digest {
        var h = Hasher256()
        h.update("xgraph-node-key\n")
        for p in parts {
            h.update(p.name)
            h.update("\u{0}")
            h.update(p.digest.hex)
            h.update("\n")
        }
        return h.finalize()
    }
}
