import XGraphCore

/// `xgraph plan --json`: the plan as one JSON object, a stable format for scripts
/// (docs/json.md). New fields may be added; existing ones keep their name and meaning.
extension Plan {
    public var json: JSONValue {
        let nodes = entries.map { e -> JSONValue in
            var o: [String: JSONValue] = ["node": .string(e.node), "key": e.key.map { .string($0.key.hex) } ?? .null]
            switch e.status {
            case .cached:
                o["status"] = "cached"; o["reason"] = .null
            case .willRun(let r):
                o["status"] = "will_run"; o["reason"] = .string(r.description)
            case .blocked(let why):
                o["status"] = "blocked"; o["reason"] = .string(why)
            }
            o["estimate_s"] = estimates[e.node].map(JSONValue.double) ?? .null
            return .object(o)
        }
        let totals: [String: JSONValue] = [
            "nodes": .int(entries.count), "cached": .int(entries.count - toRun - blocked),
            "will_run": .int(toRun), "blocked": .int(blocked),
            "gpu_hours": .double(gpuHours), "wall_s": .double(wallSeconds), "unestimated": .int(unestimated),
            "wall_basis": wallBasis.map(JSONValue.string) ?? .null,
        ]
        return .object([
            "format": "xgraph-plan", "version": .int(1),
            "nodes": .array(nodes),
            "totals": .object(totals),
            "hints": .array(hints.map(JSONValue.string)),
        ])
    }
}
