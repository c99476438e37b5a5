import XGraphCore
import XGraphGraph

/// `xgraph plan --dot` and `--mermaid`: the node graph (each node with its plan status) or,
/// with `--steps`, the step graph (each step with its node count), as Graphviz or Mermaid text
/// for docs and reviews. Edges run from an input to the node that reads it.
public struct GraphDrawing {
    public enum Format: String, Sendable { case dot, mermaid }

    struct Vertex { var id: String; var label: String; var status: String? }

    let vertices: [Vertex]
    let edges: [(from: Int, to: Int, label: String?)]

    /// The planned nodes and the edges among them.
    public init(graph: Graph, plan: Plan) {
        var position: [String: Int] = [:]
        var vertices: [Vertex] = []
        for e in plan.entries {
            position[e.node] = vertices.count
            let status: String
            switch e.status {
            case .cached: status = "cached"
            case .willRun: status = "will run"
            case .blocked: status = "blocked"
            }
            vertices.append(Vertex(id: e.node, label: e.node, status: status))
        }
        var edges: [(Int, Int, String?)] = []
        for e in plan.entries {
            guard let i = graph.index(of: e.node), let to = position[e.node] else { continue }
            for input in graph.nodes[i].inputs {
                if let from = position[input.node] { edges.append((from, to, input.name)) }
            }
        }
        self.vertices = vertices
        self.edges = edges
    }

    /// The steps of the planned nodes, with an edge wherever a node of one reads a node of the
    /// other, labelled with the input names.
    public init(stepsOf graph: Graph, plan: Plan) {
        var order: [String] = []
        var count: [String: Int] = [:]
        var toRun: [String: Int] = [:]
        for e in plan.entries {
            guard let i = graph.index(of: e.node) else { continue }
            let step = graph.nodes[i].step
            if count[step] == nil { order.append(step) }
            count[step, default: 0] += 1
            if case .cached = e.status {} else { toRun[step, default: 0] += 1 }
        }
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var names: [[Int]: Set<String>] = [:]
        var edgeOrder: [[Int]] = []
        for e in plan.entries {
            guard let i = graph.index(of: e.node), let to = position[graph.nodes[i].step] else { continue }
            for input in graph.nodes[i].inputs {
                guard let j = graph.index(of: input.node), let from = position[graph.nodes[j].step] else { continue }
                if names[[from, to]] == nil { edgeOrder.append([from, to]) }
                names[[from, to], default: []].insert(input.name)
            }
        }
        vertices = order.map { s in
            let n = count[s] ?? 0, r = toRun[s] ?? 0
            return Vertex(id: s, label: "\(s) (\(n) node\(n == 1 ? "" : "s"))", status: r == 0 ? "cached" : "\(r) to run")
        }
        edges = edgeOrder.map { ($0[0], $0[1], names[$0].map { $0.sorted().joined(separator: ", ") }) }
    }

    public func render(_ format: Format) -> String {
        switch format {
        case .dot: return dot()
        case .mermaid: return mermaid()
        }
    }

    /// Graphviz: ids are quoted strings with `"` and `\` escaped, so any node name is safe.
    private func dot() -> String {
        func q(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        var lines = ["digraph xgraph {", "  rankdir=LR;", "  node [shape=box, fontname=\"sans-serif\"];"]
        for (i, v) in vertices.enumerated() {
            let label = v.status.map { v.label + "\n" + $0 } ?? v.label
            let style = v.status == "cached" ? ", style=dashed" : ""
            lines.append("  n\(i) [label=\(q(label))\(style)];")
        }
        for e in edges {
            lines.append("  n\(e.from) -> n\(e.to)" + (e.label.map { " [label=\(q($0))]" } ?? "") + ";")
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    /// Mermaid: node ids are generated (`n0`); labels are quoted, with `"` written as `#quot;`
    /// (Mermaid's entity) and other markup characters as entities too.
    private func mermaid() -> String {
        func q(_ s: String) -> String {
            var out = ""
            for ch in s {
                switch ch {
                case "\"": out += "#quot;"
                case "<": out += "#lt;"
                case ">": out += "#gt;"
                case "#": out += "#35;"
                case "\n": out += "<br/>"
                default: out.append(ch)
                }
            }
            return "\"" + out + "\""
        }
        var lines = ["flowchart LR"]
        for (i, v) in vertices.enumerated() {
            let label = v.status.map { v.label + "\n" + $0 } ?? v.label
            lines.append("  n\(i)[\(q(label))]")
        }
        for e in edges {
            lines.append("  n\(e.from) -->" + (e.label.map { "|\(q($0))|" } ?? "") + " n\(e.to)")
        }
        return lines.joined(separator: "\n")
    }
}
