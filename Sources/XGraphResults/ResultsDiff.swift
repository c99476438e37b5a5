import XGraphCore

extension ResultsIndex {
    /// `xgraph diff A B`: for every node with results at both commits (the newest run of each
    /// at each commit), one row per metric either run recorded: node, metric, the value at A,
    /// the value at B and `delta` = B − A (null when one side lacks the metric). Commits are
    /// full ids or unique prefixes of indexed ones; `nodes` restricts to those node names.
    /// `metrics` nil compares every metric; a named metric no run recorded is an error.
    public func diff(commitA: String, commitB: String, metrics: [String]? = nil,
                     nodes: Set<String>? = nil) throws -> ResultTable {
        try wrap {
            try queue.read { db in
                if let metrics { try checkMetrics(metrics, db) }
                let a = try resolveCommit(commitA, db)
                let b = try resolveCommit(commitB, db)
                let runsA = try select(ResultsQuery(nodes: nodes, commit: a), db)
                let runsB = Dictionary(try select(ResultsQuery(nodes: nodes, commit: b), db).map { ($0.node, $0) },
                                       uniquingKeysWith: { x, _ in x })
                var rows: [[JSONValue]] = []
                // A commit does not pin down code git does not track: say where the two runs'
                // such code differs, or the rows would read as one code against another commit.
                var untracked: [String] = []
                for runA in runsA {
                    guard let runB = runsB[runA.node] else { continue }
                    if runA.untrackedCode != nil || runB.untrackedCode != nil, runA.untrackedCode != runB.untrackedCode {
                        untracked.append("\(runA.node) (\(runA.untrackedCode.map { "untracked:" + $0.prefix(8) } ?? "none") → "
                            + "\(runB.untrackedCode.map { "untracked:" + $0.prefix(8) } ?? "none"))")
                    }
                    let names = metrics ?? Set(runA.metrics.keys).union(runB.metrics.keys).sorted()
                    for name in names {
                        let va = runA.metrics[name], vb = runB.metrics[name]
                        if va == nil && vb == nil { continue }
                        let delta = va.flatMap { x in vb.map { $0 - x } }
                        rows.append([.string(runA.node), .string(name),
                                     va.map(JSONValue.double) ?? .null, vb.map(JSONValue.double) ?? .null,
                                     delta.map(JSONValue.double) ?? .null])
                    }
                }
                var notes: [String] = []
                // Say what was compared: runs *recorded at* each commit. A commit that only added
                // nodes (everything else cached from older commits) has few, and an empty table
                // must not read as "nothing changed".
                let namesB = Set(runsB.keys), namesA = Set(runsA.map(\.node))
                let both = namesA.intersection(namesB).count
                notes.append("compared the runs recorded at each commit: \(runsA.count) node(s) at a, \(runsB.count) at b, "
                    + "\(both) at both (only those are rows)")
                if both < max(namesA.count, namesB.count) {
                    notes.append("a node cached from an older commit has no run recorded at a or b; to compare what each "
                        + "commit's spec gives, check out each commit and run `xgraph results FILE`, or query "
                        + "`xgraph results --all` for every run")
                }
                if !untracked.isEmpty {
                    notes.append("code git does not track (ignored, untracked or outside the repository) differs between the two runs of "
                        + "\(untracked.count) node(s): " + untracked.prefix(10).joined(separator: ", ") + (untracked.count > 10 ? ", …" : ""))
                }
                let footer: String? = notes.joined(separator: "\n")
                return ResultTable(columns: ["node", "metric", "a", "b", "delta"], rows: rows,
                                   title: "a = \(a.prefix(10)), b = \(b.prefix(10))", footer: footer)
            }
        }
    }
}
