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
        try explanation(name).text
    }

    /// What `explain` found, before it is written as text or JSON.
    public struct Explanation: Sendable {
        public struct Part: Sendable {
            public var name: String
            public var digest: String
            public var value: String
            /// nil without an earlier build to compare with.
            public var changed: Bool?
        }
        public struct LastBuild: Sendable {
            public var end: String
            public var commit: String?
            public var key: String
            public var changes: [String]
        }
        public var node: String
        public var step: String
        public var location: String
        /// A dataset: its path and fingerprint mode; nothing else is set.
        public var dataset: (path: String, fingerprint: String)?
        public var key: String?
        public var keyVersion: Int
        public var parts: [Part]
        /// cached, will_run, blocked; nil for a dataset.
        public var status: String?
        public var reason: String?
        public var output: String?
        public var lastBuild: LastBuild?
        public var store: String

        public var text: String {
            var lines = ["node \(node)  (step \(step), declared at \(location))"]
            if let dataset {
                lines.append("dataset at \(dataset.path), fingerprint mode \(dataset.fingerprint)")
                return lines.joined(separator: "\n")
            }
            guard let key else {
                lines.append("key: not known yet; these inputs must be built first:")
                if let reason { lines.append(status == "blocked" ? "  blocked: \(reason)" : "  \(reason)") }
                return lines.joined(separator: "\n")
            }
            lines.append("key \(key)  (key version \(keyVersion))")
            let width = parts.map(\.name.count).max() ?? 0
            for p in parts {
                let mark = p.changed == true ? "*" : " "
                let value = p.value.count > 60 ? String(p.value.prefix(57)) + "..." : p.value
                lines.append("\(mark) \(p.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(p.digest.prefix(12))  \(value)")
            }
            switch status {
            case "cached": lines.append("status: cached (output \(output.map { String($0.prefix(12)) } ?? "?"))")
            case "will_run": lines.append("status: will run (\(reason ?? ""))")
            default: lines.append("status: blocked (\(reason ?? ""))")
            }
            if let last = lastBuild {
                let commit = last.commit.map { " at commit \($0.prefix(12))" } ?? ""
                lines.append("last build: \(last.end)\(commit), key \(last.key.prefix(12))")
                lines.append(last.changes.isEmpty ? "unchanged since the last build"
                             : "changed since the last build (* above): " + last.changes.joined(separator: "; "))
            } else {
                lines.append("no earlier build of this node in \(store)")
            }
            return lines.joined(separator: "\n")
        }

        /// `explain --json` (docs/json.md): every part in full, nothing shortened.
        public var json: JSONValue {
            func str(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
            var o: [String: JSONValue] = [
                "format": "xgraph-explain", "version": .int(1),
                "node": .string(node), "step": .string(step), "location": .string(location),
                "key": str(key), "key_version": .int(keyVersion), "status": str(status), "reason": str(reason),
                "output": str(output), "store": .string(store),
                "parts": .array(parts.map { p in
                    .object(["name": .string(p.name), "digest": .string(p.digest), "value": .string(p.value),
                             "changed": p.changed.map(JSONValue.bool) ?? .null])
                }),
                "last_build": lastBuild.map { l in
                    .object(["end": .string(l.end), "commit": str(l.commit), "key": .string(l.key),
                             "changes": .array(l.changes.map(JSONValue.string))])
                } ?? .null,
            ]
            o["dataset"] = dataset.map { .object(["path": .string($0.path), "fingerprint": .string($0.fingerprint)]) } ?? .null
            return .object(o)
        }
    }

    public func explanation(_ name: String) throws -> Explanation {
        let graph = workspace.graph
        guard let i = graph.index(of: name) else {
            let close = graph.nodes.map(\.id).filter { $0.hasPrefix(name.split(separator: "/").first.map(String.init) ?? name) }.prefix(5)
            throw XGraphError.usage("no node \(name) in \(workspace.specPath)"
                + (close.isEmpty ? "" : "; nodes of that step include: " + close.joined(separator: ", ")))
        }
        let node = graph.nodes[i]
        var out = Explanation(node: node.id, step: node.step, location: "\(node.location)", dataset: nil, key: nil,
                              keyVersion: KeyVersion.current, parts: [], status: nil, reason: nil, output: nil,
                              lastBuild: nil, store: workspace.store.root)
        if case .source(let path, let mode) = node.kind {
            out.dataset = (path, "\(mode)")
            return out
        }
        let planner = Planner(graph: graph, store: workspace.store, options: BuildOptions(builtinVersion: builtinVersion))
        let plan = try planner.plan(selection: try graph.select([node.id]))
        guard let entry = plan.entries.last else { return out }
        switch entry.status {
        case .cached: out.status = "cached"
        case .willRun(let r): out.status = "will_run"; out.reason = r.description
        case .blocked(let why): out.status = "blocked"; out.reason = why
        }
        out.output = entry.output?.hex
        guard let key = entry.key else { return out }
        let last = workspace.store.lastKey(forNode: node.id).flatMap { try? workspace.store.record(forKey: $0) }
        out.key = key.key.hex
        let oldParts = Dictionary((last?.keyParts ?? []).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        out.parts = key.parts.map { p in
            Explanation.Part(name: p.name, digest: p.digest.hex, value: p.value,
                             changed: last == nil ? nil : oldParts[p.name]?.digest != p.digest)
        }
        if let last {
            out.lastBuild = Explanation.LastBuild(
                end: ISO8601DateFormatter().string(from: last.provenance.end), commit: last.provenance.gitCommit,
                key: last.key.hex, changes: KeyDiff.changes(from: last.keyParts, to: key.parts).map(\.description))
        }
        return out
    }
}
