import Foundation
import XGraphCore
import XGraphGraph
import XGraphKeys
import XGraphStore

/// `xgraph explain NODE`: every component of the node's key now, and which ones differ from the
/// last build of the same node name.
public struct Explainer: Sendable {
    public let workspace: Workspace
    public let builtinVersion: Int

    public init(workspace: Workspace, builtinVersion: Int) {
        self.workspace = workspace; self.builtinVersion = builtinVersion
    }

    public func explain(_ name: String) throws -> String {
        let graph = workspace.graph
        guard let i = graph.index(of: name) else {
            let close = graph.nodes.map(\.id).filter { $0.hasPrefix(name.split(separator: "/").first.map(String.init) ?? name) }.prefix(5)
            throw XGraphError.usage("no node \(name) in \(workspace.specPath)"
                + (close.isEmpty ? "" : "; nodes of that step include: " + close.joined(separator: ", ")))
        }
        let node = graph.nodes[i]
        var lines = ["node \(node.id)  (step \(node.step), declared at \(node.location))"]
        if case .source(let path, let mode) = node.kind {
            lines.append("dataset at \(path), fingerprint mode \(mode)")
            return lines.joined(separator: "\n")
        }
        let builder = Builder(graph: graph, store: workspace.store, executor: NullExecutor(),
                              renderer: CommandRenderer(builtinCommand: []),
                              options: BuildOptions(builtinVersion: builtinVersion), provenance: workspace.provenance())
        let plan = try builder.plan(selection: try graph.select([node.id]))
        guard let entry = plan.entries.last else { return lines.joined(separator: "\n") }
        let last = workspace.store.lastKey(forNode: node.id).flatMap { try? workspace.store.record(forKey: $0) }
        guard let key = entry.key else {
            lines.append("key: not known yet; these inputs must be built first:")
            if case .willRun(let r) = entry.status { lines.append("  \(r)") }
            if case .blocked(let why) = entry.status { lines.append("  blocked: \(why)") }
            return lines.joined(separator: "\n")
        }
        lines.append("key \(key.key.hex)  (key version \(KeyVersion.current))")
        let width = key.parts.map(\.name.count).max() ?? 0
        let oldParts = Dictionary((last?.keyParts ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for p in key.parts {
            let mark = last == nil ? " " : (oldParts[p.name]?.digest == p.digest ? " " : "*")
            let value = p.value.count > 60 ? String(p.value.prefix(57)) + "..." : p.value
            lines.append("\(mark) \(p.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(p.digest.short)  \(value)")
        }
        switch entry.status {
        case .cached:
            lines.append("status: cached (output \(entry.output?.short ?? "?"))")
        case .willRun(let r):
            lines.append("status: will run (\(r))")
        case .blocked(let why):
            lines.append("status: blocked (\(why))")
        }
        if let last {
            let changes = KeyDiff.changes(from: last.keyParts, to: key.parts)
            let when = ISO8601DateFormatter().string(from: last.provenance.end)
            let commit = last.provenance.gitCommit.map { " at commit \($0.prefix(12))" } ?? ""
            lines.append("last build: \(when)\(commit), key \(last.key.short)")
            lines.append(changes.isEmpty ? "unchanged since the last build"
                         : "changed since the last build (* above): " + changes.map(\.description).joined(separator: "; "))
        } else {
            lines.append("no earlier build of this node in \(workspace.store.root)")
        }
        return lines.joined(separator: "\n")
    }
}
