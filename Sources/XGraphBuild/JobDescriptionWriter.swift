import Foundation
import XGraphCore
import XGraphGraph
import XGraphKeys
import XGraphStore

extension Builder {
    /// Writes the description a cluster job of node `i` runs (`NodeDescription`) into the store
    /// and returns its digest, which names the file. Called once per job before it is submitted,
    /// by whatever submits it (one job per node, or a task of an array).
    ///
    /// - Parameters:
    ///   - key: the node's key when the head knows it; its input parts name every input's bytes
    ///     that `upstream` does not.
    ///   - upstream: for an input made by another node, where its output is or will be
    ///     (`.recordedKey`, `.output` or `.job`); nil: the output digest in `key`'s parts, and an
    ///     error without a key. A key lets gc keep the input for a job whose head has exited.
    public func writeJobDescription(_ i: Int, key: NodeKey?, forced: Bool,
                                    upstream: (Int) -> DescribedInput.Source?) throws -> Digest {
        let description = try describe(i, key: key, forced: forced, upstream: upstream)
        return try store.writeJobDescription(try description.encoded())
    }

    /// The description of node `i` (see `writeJobDescription`).
    public func describe(_ i: Int, key: NodeKey?, forced: Bool,
                         upstream: (Int) -> DescribedInput.Source?) throws -> NodeDescription {
        let node = graph.nodes[i]
        var inputDigests: [String: Digest] = [:]
        for part in key?.parts ?? [] { if case .input(let name)? = part.kind { inputDigests[name] = part.digest } }
        var inputs: [DescribedInput] = []
        inputs.reserveCapacity(node.inputs.count)
        for edge in node.inputs {
            guard let j = graph.index(of: edge.node) else {
                throw XGraphError.build("input \(edge.name) of \(node.id) names \(edge.node), which is not in the graph")
            }
            let source: DescribedInput.Source
            if case .source(let path, let mode) = graph.nodes[j].kind {
                source = .dataset(path: path, fingerprint: mode)
            } else if let s = upstream(j) {
                source = s
            } else if let d = inputDigests[edge.name] {
                source = .output(d)
            } else {
                throw XGraphError.build("input \(edge.name) of \(node.id): neither its output nor the job that makes it is known")
            }
            inputs.append(DescribedInput(name: edge.name, node: edge.node, source: source))
        }
        // From the digest cache: a stat each, the files were digested when the node was planned.
        var codeDigests: [String: Digest] = [:]
        for path in node.code + (node.container?.imageFile.map { [$0] } ?? []) {
            guard let d = try Rebuilder.digestCode(path, store: store) else {
                throw XGraphError.build("code path \(path) of \(node.id) went away before its job was submitted")
            }
            codeDigests[path] = d
        }
        let p = provenance
        let untracked = p.codeTracking.map { t in node.code.filter { t.holdsUntracked($0) } }
        return NodeDescription(node: DescribedNode(node), builtinVersion: options.builtinVersion,
                               expectedKey: key.map(ExpectedKey.init), inputs: inputs, codeDigests: codeDigests, forced: forced,
                               provenance: DescribedProvenance(p, untrackedCode: untracked))
    }
}
