import XGraphCore

/// One side of `xgraph diff FILE A B`: the experiment file's nodes with the keys they had as of
/// a commit (resolved by the caller through the file and code at that commit).
public struct DiffSide: Sendable {
    /// As the user wrote it (`HEAD~1`).
    public var revision: String
    /// The full commit id.
    public var commit: String
    public var nodes: [CurrentNode]

    public init(revision: String, commit: String, nodes: [CurrentNode]) {
        self.revision = revision; self.commit = commit; self.nodes = nodes
    }
}

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
                let (rows, untracked) = Self.diffRows(runsA, runsB, metrics: metrics)
                var notes: [String] = []
                // Say what was compared: runs *recorded at* each commit. A commit that only added
                // nodes (everything else cached from older commits) has few, and an empty table
                // must not read as "nothing changed".
                let namesB = Set(runsB.keys), namesA = Set(runsA.map(\.node))
                let both = namesA.intersection(namesB).count
                notes.append("compared the runs recorded at each commit: \(runsA.count) node(s) at a, \(runsB.count) at b, "
                    + "\(both) at both (only those are rows)")
                if both < max(namesA.count, namesB.count) {
                    notes.append("a node cached from an older commit has no run recorded at a or b; to compare each node's "
                        + "result as of each commit, resolved through the experiment file at that commit, give the file: "
                        + "`xgraph diff FILE A B`")
                }
                notes += Self.untrackedNote(untracked)
                return ResultTable(columns: ["node", "metric", "a", "b", "delta"], rows: rows,
                                   title: "a = \(a.prefix(10)), b = \(b.prefix(10))", footer: notes.joined(separator: "\n"))
            }
        }
    }

    /// `xgraph diff FILE A B`: each node's result as of commit A against its result as of B,
    /// where a node's result as of a commit is the run of the key the experiment file and its
    /// code at that commit give (`DiffSide`), whichever commit recorded it. Rows as `diff`; the
    /// footer says what was compared, which nodes only one commit's file has, and which are not
    /// built as of a commit. `step` restricts to one step's nodes.
    public func diff(_ a: DiffSide, _ b: DiffSide, file: String, metrics: [String]? = nil, step: String? = nil,
                     fromDisk: [String] = []) throws -> ResultTable {
        try wrap {
            try queue.read { db in
                if let metrics { try checkMetrics(metrics, db) }
                let runsA = try select(ResultsQuery(step: step, current: a.nodes), db)
                let runsB = Dictionary(try select(ResultsQuery(step: step, current: b.nodes), db).map { ($0.node, $0) },
                                       uniquingKeysWith: { x, _ in x })
                let (rows, untracked) = Self.diffRows(runsA, runsB, metrics: metrics)
                let inStep = { (n: CurrentNode) in step == nil || n.step == step }
                let specA = Set(a.nodes.filter(inStep).map(\.node)), specB = Set(b.nodes.filter(inStep).map(\.node))
                let builtA = Set(runsA.map(\.node)), builtB = Set(runsB.keys)
                let short = { (s: DiffSide) in "\(s.revision) = \(s.commit.prefix(10))" }
                var notes = ["compared each node's result as of each commit: the run of the key that \(file) and its code "
                    + "at that commit give, whichever commit recorded it (a: \(short(a)), b: \(short(b)))"]
                let both = specA.intersection(specB)
                notes.append("\(both.count) node(s) in both commits' \(file), \(builtA.intersection(builtB).count) with results "
                    + "on both sides (only those are rows)")
                notes += Self.listed("only in a's \(file)", specA.subtracting(specB))
                notes += Self.listed("only in b's \(file)", specB.subtracting(specA))
                notes += Self.listed("not built as of a (no run of the key a's file gives)", specA.subtracting(builtA))
                notes += Self.listed("not built as of b", specB.subtracting(builtB))
                if !fromDisk.isEmpty {
                    notes.append("not in the commits, read from the disk as it is now: " + fromDisk.prefix(10).joined(separator: ", ")
                        + (fromDisk.count > 10 ? ", …" : ""))
                }
                notes += Self.untrackedNote(untracked)
                return ResultTable(columns: ["node", "metric", "a", "b", "delta"], rows: rows,
                                   title: "a = \(file) as of \(short(a)), b = as of \(short(b))", footer: notes.joined(separator: "\n"))
            }
        }
    }

    /// One row per node in both and metric either run recorded; and the nodes whose code git
    /// does not track differs between the two runs.
    private static func diffRows(_ runsA: [IndexedRun], _ runsB: [String: IndexedRun], metrics: [String]?)
        -> (rows: [[JSONValue]], untracked: [String]) {
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
        return (rows, untracked)
    }

    private static func untrackedNote(_ untracked: [String]) -> [String] {
        guard !untracked.isEmpty else { return [] }
        return ["code git does not track (ignored, untracked or outside the repository) differs between the two runs of "
            + "\(untracked.count) node(s): " + untracked.prefix(10).joined(separator: ", ") + (untracked.count > 10 ? ", …" : "")]
    }

    /// "what: n (a, b, c, …)", or nothing for none.
    private static func listed(_ what: String, _ nodes: Set<String>) -> [String] {
        guard !nodes.isEmpty else { return [] }
        let sorted = nodes.sorted()
        return ["\(what): \(nodes.count) (" + sorted.prefix(5).joined(separator: ", ") + (sorted.count > 5 ? ", …" : "") + ")"]
    }
}
