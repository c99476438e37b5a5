import GRDB
import XGraphCore

/// Turning a `ResultsQuery` into runs, and the checks that make a typo an error rather than an
/// empty table.
extension ResultsIndex {
    /// The runs a query selects, in display order: by step, then axis values (sizes numerically),
    /// then node name, then end time.
    func select(_ q: ResultsQuery, _ db: Database) throws -> [IndexedRun] {
        let commit = try q.commit.map { try resolveCommit($0, db) }
        var runs = try RunLoader.load(db, step: q.step, commit: commit)
        if let nodes = q.nodes { runs.removeAll { !nodes.contains($0.node) } }
        if !q.filters.isEmpty {
            try checkAxes(q.filters.map(\.axis), db, context: "--where")
            runs.removeAll { run in !q.filters.allSatisfy { $0.matches(run) } }
        }
        if q.latestOnly {
            var newest: [String: IndexedRun] = [:]
            for run in runs {
                if let seen = newest[run.node], (seen.end, seen.key) >= (run.end, run.key) { continue }
                newest[run.node] = run
            }
            runs = Array(newest.values)
        }
        return runs.sorted(by: Self.displayOrder)
    }

    static func displayOrder(_ a: IndexedRun, _ b: IndexedRun) -> Bool {
        if a.step != b.step { return a.step < b.step }
        let n = min(a.axes.count, b.axes.count)
        for i in 0..<n {
            let x = a.axes[i], y = b.axes[i]
            if x.name != y.name { return x.name < y.name }
            if x.value != y.value { return LabelOrder.less(x.value, y.value) }
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
        let known = try String.fetchAll(db, sql: "SELECT DISTINCT axis FROM axes ORDER BY axis")
        let knownSet = Set(known)
        for name in names where !knownSet.contains(name) {
            let list = known.isEmpty ? "no run has any axis" : "axes that exist: " + known.joined(separator: ", ")
            throw XGraphError.usage("\(context): unknown axis '\(name)'; \(list)")
        }
    }

    /// Metric names must be ones some indexed run recorded.
    func checkMetrics(_ names: [String], _ db: Database) throws {
        let known = try String.fetchAll(db, sql: "SELECT DISTINCT name FROM metrics ORDER BY name")
        let knownSet = Set(known)
        for name in names where !knownSet.contains(name) {
            let list = known.isEmpty ? "no run has recorded any metric" : "metrics that exist: " + known.joined(separator: ", ")
            throw XGraphError.usage("unknown metric '\(name)'; \(list)")
        }
    }
}
