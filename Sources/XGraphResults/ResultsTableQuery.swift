import XGraphCore

extension ResultsIndex {
    /// One row per selected run: node, its axes (columns in order of first appearance), the
    /// metrics, the commit (short, `-dirty` when it was) and the duration in seconds. Axes,
    /// metrics and the run's own columns are separate namespaces (`ResultField`).
    /// `metrics` nil shows every metric the selected runs recorded, sorted by name; a named
    /// metric that no run recorded is an error listing those that exist.
    ///
    /// With current nodes (`q.current`) a `status` column follows: `current` for a node shown
    /// with the run of its current key, `stale` or `never built` (see `UnbuiltStatus`) for a
    /// node without one, whose other cells are empty; the footer counts those. Every run
    /// (`--all`) includes the records re-runs replaced, with `replaced` in that column.
    public func table(_ q: ResultsQuery, metrics: [String]? = nil) throws -> ResultTable {
        try table(selectRuns(q), metrics: metrics)
    }

    /// `table` over runs selected once (see `selectRuns`).
    public func table(_ selection: SelectedRuns, metrics: [String]? = nil) throws -> ResultTable {
        let q = selection.query
        if let metrics { try selection.checkMetrics(metrics) }
        let runs = selection.runs
        let unbuilt = selection.unbuilt
        let metricNames = metrics ?? Set(runs.flatMap { $0.metrics.keys }).sorted()
        let withStatus = q.current != nil || runs.contains(where: \.replaced)
        let sizes = LabelOrder.Sizes((runs + unbuilt.map(\.run)).lazy.flatMap { $0.axes.map(\.value) })
        let entries = (runs.map { (run: $0, status: $0.replaced ? "replaced" : q.current != nil ? "current" : nil, built: true) }
            + unbuilt.map { (run: $0.run, status: Optional($0.status.rawValue), built: false) })
            .sorted { Self.displayOrder($0.run, $1.run, sizes) }
        let axes = Self.axesInOrder(entries.map(\.run))
        let rows: [[JSONValue]] = entries.map { entry in
            let run = entry.run
            var row: [JSONValue] = [.string(run.node)]
            row += axes.map { run.axis($0).map(JSONValue.string) ?? .null }
            row += metricNames.map { run.metrics[$0].map(JSONValue.double) ?? .null }
            row.append(run.commitLabel.map(JSONValue.string) ?? .null)
            row.append(entry.built ? .double(run.duration) : .null)
            if withStatus { row.append(entry.status.map(JSONValue.string) ?? .null) }
            return row
        }
        // Separate namespaces: a metric named `epochs` or `duration_s` is neither the axis nor the
        // run's own column (ResultField).
        let fields: [ResultField] = [.own("node")] + axes.map(ResultField.axis) + metricNames.map(ResultField.metric)
            + [.run("commit"), .run("duration_s")] + (withStatus ? [.run("status")] : [])
        return ResultTable(fields: fields, groups: ["axes", "metrics", "run"], rows: rows,
                           footer: Self.unbuiltFooter(unbuilt))
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
