import GRDB
import XGraphCore
import XGraphSpec
import XGraphStore

/// Turning a `ResultsQuery` into runs, and the checks that make a typo an error rather than an
/// empty table.
extension ResultsIndex {
    /// The runs a query selects, in display order: by step, then axis values (sizes numerically),
    /// then node name, then end time.
    func select(_ q: ResultsQuery, _ db: Database) throws -> [IndexedRun] {
        if q.step != nil || !q.filters.isEmpty { try names(for: q, db).check(q) }
        let commit = try q.commit.map { try resolveCommit($0, db) }
        // A current node's record may carry another step's name (identical actions share one),
        // so with current nodes the step is matched on them, not on the records.
        // Every run (`--all`) includes those a re-run replaced, marked so in the table.
        var runs = try RunLoader.load(db, step: q.current == nil ? q.step : nil, commit: commit,
                                      includeReplaced: !q.latestOnly && q.current == nil)
        if let current = q.current {
            runs = Self.currentRuns(runs, current.filter { q.step == nil || $0.step == q.step })
        } else if let nodes = q.nodes {
            runs.removeAll { !nodes.contains($0.node) }
        }
        if !q.filters.isEmpty {
            runs.removeAll { run in !q.filters.allSatisfy { $0.matches(run) } }
        }
        if q.latestOnly && q.current == nil {
            var newest: [String: IndexedRun] = [:]
            for run in runs {
                if let seen = newest[run.node], (seen.end, seen.key) >= (run.end, run.key) { continue }
                newest[run.node] = run
            }
            runs = Array(newest.values)
        }
        let sizes = LabelOrder.Sizes(runs.lazy.flatMap { $0.axes.map(\.value) })
        return runs.sorted { Self.displayOrder($0, $1, sizes) }
    }

    /// The names `q` may use: the experiment file's when it has current nodes, else those of
    /// the indexed runs.
    func names(for q: ResultsQuery, _ db: Database) throws -> QueryNames {
        if let current = q.current {
            return QueryNames(source: "in the experiment file", units: current.map { ($0.step, $0.axes) })
        }
        var units: [(step: String, axes: [AxisEntry])] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT DISTINCT r.step, a.axis, a.value, a.ord FROM runs r LEFT JOIN axes a ON a.key = r.key
            ORDER BY r.step, a.ord, a.axis, a.value
            """)
        while let row = try rows.next() {
            let axis: String? = row[1], value: String? = row[2]
            units.append((row[0], axis.flatMap { a in value.map { [AxisEntry(name: a, value: $0)] } } ?? []))
        }
        return QueryNames(source: "among the indexed runs", units: units)
    }

    /// Each current node that has a run of its current key, with that run, named as the current
    /// spec names it: nodes with equal keys share one record (docs/cache-keys.md), and each
    /// shows it under its own name.
    static func currentRuns(_ runs: [IndexedRun], _ current: [CurrentNode]) -> [IndexedRun] {
        let byKey = Dictionary(runs.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        return current.compactMap { node in
            guard let key = node.key, var run = byKey[key] else { return nil }
            run.node = node.node; run.step = node.step; run.axes = node.axes
            return run
        }
    }

    /// The current nodes a query selects that have no run of their current key, because the
    /// key has no record or is not known yet (an input must be rebuilt first). Each comes as a
    /// run without a record (no commit, no metrics) so it sorts and filters like the others.
    func unbuilt(_ q: ResultsQuery, _ db: Database) throws -> [(run: IndexedRun, status: UnbuiltStatus)] {
        guard let current = q.current else { return [] }
        let keys = Set(try String.fetchAll(db, sql: "SELECT key FROM runs"))
        let names = Set(try String.fetchAll(db, sql: "SELECT DISTINCT node FROM runs"))
        var out: [(run: IndexedRun, status: UnbuiltStatus)] = []
        for node in current where q.step == nil || node.step == q.step {
            if let key = node.key, keys.contains(key) { continue }
            let run = IndexedRun(key: "", node: node.node, step: node.step, commit: nil, dirty: nil, untrackedCode: nil, end: "",
                                 duration: 0, axes: node.axes, metrics: [:])
            guard q.filters.allSatisfy({ $0.matches(run) }) else { continue }
            out.append((run, names.contains(node.node) ? .stale : .neverBuilt))
        }
        return out
    }

    /// The footer of a table over current nodes: how many have no numbers, and why.
    static func unbuiltFooter(_ unbuilt: [(run: IndexedRun, status: UnbuiltStatus)]) -> String? {
        guard !unbuilt.isEmpty else { return nil }
        let n = unbuilt.count
        let stale = unbuilt.filter { $0.status == .stale }.count
        var why: [String] = []
        if stale > 0 { why.append("\(stale) stale: only runs of an earlier spec, see --all") }
        if stale < n { why.append("\(n - stale) never built") }
        return "\(n) node\(n == 1 ? "" : "s") not built for the current spec (\(why.joined(separator: "; ")));"
            + " `xgraph build` makes \(n == 1 ? "it" : "them") current"
    }

    static func displayOrder(_ a: IndexedRun, _ b: IndexedRun, _ sizes: LabelOrder.Sizes = LabelOrder.Sizes([])) -> Bool {
        if a.step != b.step { return a.step < b.step }
        let n = min(a.axes.count, b.axes.count)
        for i in 0..<n {
            let x = a.axes[i], y = b.axes[i]
            if x.name != y.name { return x.name < y.name }
            if x.value != y.value { return sizes.less(x.value, y.value) }
        }
        if a.axes.count != b.axes.count { return a.axes.count < b.axes.count }
        if a.node != b.node { return a.node < b.node }
        return (a.end, a.key) < (b.end, b.key)
    }

    /// The one indexed commit that `prefix` names. Like git, an ambiguous prefix is an error.
    func resolveCommit(_ prefix: String, _ db: Database) throws -> String {
        let p = prefix.lowercased()
        let found = try String.fetchAll(db, sql: """
            SELECT DISTINCT git_commit FROM runs WHERE substr(git_commit, 1, ?) = ? ORDER BY git_commit
            """, arguments: [p.count, p])
        switch found.count {
        case 1: return found[0]
        case 0: throw XGraphError.usage("no results recorded at commit '\(prefix)'")
        default:
            throw XGraphError.usage("commit prefix '\(prefix)' is ambiguous; it matches: "
                                    + found.map { String($0.prefix(12)) }.joined(separator: ", "))
        }
    }

    /// Axis names must be ones some indexed run has.
    func checkAxes(_ names: [String], _ db: Database, context: String) throws {
        try Self.checkAxes(names, known: try String.fetchAll(db, sql: "SELECT DISTINCT axis FROM axes ORDER BY axis"),
                           context: context)
    }

    /// `known`: every axis name of the index, sorted.
    static func checkAxes(_ names: [String], known: [String], context: String) throws {
        let knownSet = Set(known)
        for name in names where !knownSet.contains(name) {
            let list = known.isEmpty ? "; no run has any axis" : NameSuggestions.didYouMean(name, in: known)
                + " axes that exist: " + known.joined(separator: ", ")
            throw XGraphError.usage("\(context): unknown axis '\(name)'\(list)")
        }
    }

    /// Metric names must be ones some indexed run recorded.
    func checkMetrics(_ names: [String], _ db: Database) throws {
        try Self.checkMetrics(names, known: try String.fetchAll(db, sql: "SELECT DISTINCT name FROM metrics ORDER BY name"))
    }

    /// `known`: every metric name of the index, sorted.
    static func checkMetrics(_ names: [String], known: [String]) throws {
        let knownSet = Set(known)
        for name in names where !knownSet.contains(name) {
            let list = known.isEmpty ? "; no run has recorded any metric" : NameSuggestions.didYouMean(name, in: known)
                + " metrics that exist: " + known.joined(separator: ", ")
            throw XGraphError.usage("unknown metric '\(name)'\(list)")
        }
    }
}
