import XGraphCore

extension ResultsIndex {
    /// One row per selected run: node, its axes (columns in order of first appearance), the
    /// metrics, the commit (short, `-dirty` when it was) and the duration in seconds.
    /// `metrics` nil shows every metric the selected runs recorded, sorted by name; a named
    /// metric that no run recorded is an error listing those that exist.
    public func table(_ q: ResultsQuery, metrics: [String]? = nil) throws -> ResultTable {
        try wrap {
            try queue.read { db in
                if let metrics { try checkMetrics(metrics, db) }
                let runs = try select(q, db)
                let metricNames = metrics ?? Set(runs.flatMap { $0.metrics.keys }).sorted()
                let axes = Self.axesInOrder(runs)
                let rows: [[JSONValue]] = runs.map { run in
                    var row: [JSONValue] = [.string(run.node)]
                    row += axes.map { run.axis($0).map(JSONValue.string) ?? .null }
                    row += metricNames.map { run.metrics[$0].map(JSONValue.double) ?? .null }
                    row.append(run.commitLabel.map(JSONValue.string) ?? .null)
                    row.append(.double(run.duration))
                    return row
                }
                return ResultTable(columns: ["node"] + axes + metricNames + ["commit", "duration_s"], rows: rows)
            }
        }
    }

    /// Axis names in the order they first appear across `runs`.
    static func axesInOrder(_ runs: [IndexedRun]) -> [String] {
        var seen: Set<String> = []
        var out: [String] = []
        for run in runs {
            for entry in run.axes where seen.insert(entry.name).inserted { out.append(entry.name) }
        }
        return out
    }
}
