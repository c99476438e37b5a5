import XGraphCore

extension ResultsIndex {
    /// One scaling fit of `metric` against the size axis per series. A series is a combination
    /// of `seriesAxes` values; like `pivot`, runs that also differ in another axis (or the step)
    /// are split into separate series rather than mixed, and those axes join the series key.
    /// Series with fewer than two distinct sizes cannot be fitted and are left out here
    /// (`fitTable` lists them with an empty fit). A size value that is not a size label, or
    /// not positive, is an error: exclude it with a filter (`--where data!=full`).
    public func fits(_ q: ResultsQuery, sizeAxis: String, seriesAxes: [String],
                     metric: String) throws -> [(series: [String: String], fit: ScalingFit.Fit)] {
        try seriesFits(q, sizeAxis: sizeAxis, seriesAxes: seriesAxes, metric: metric).series.compactMap { s in
            s.fit.map { fit -> (series: [String: String], fit: ScalingFit.Fit) in
                (Dictionary(zip(s.key.columns, s.key.values).compactMap { name, value in value.map { (name, $0) } },
                            uniquingKeysWith: { a, _ in a }), fit)
            }
        }
    }

    /// The fits as a table: the series columns, then n, a, b (gain per decade), r2, the largest
    /// size, the prediction at ten times it, the slope over the last two sizes and the plateau flag.
    /// With current nodes (`q.current`), the footer counts the nodes left out for having no run
    /// of their current key.
    public func fitTable(_ q: ResultsQuery, sizeAxis: String, seriesAxes: [String],
                         metric: String) throws -> ResultTable {
        let result = try seriesFits(q, sizeAxis: sizeAxis, seriesAxes: seriesAxes, metric: metric)
        let rows = result.series.map { s -> [JSONValue] in
            let series = s.key.values.map { $0.map(JSONValue.string) ?? .null }
            guard let f = s.fit else {
                return series + [.int(s.points)] + Array(repeating: .null, count: 7)
            }
            return series + [.int(f.n), .double(f.a), .double(f.b), .double(f.r2),
                             .string(SizeLabel.format(Int(f.maxSize))), .double(f.predictedNextDecade),
                             f.lastSlope.map(JSONValue.double) ?? .null, .string(f.plateau ? "yes" : "no")]
        }
        return ResultTable(
            columns: result.columns + ["n", "a", "b_per_decade", "r2", "max_" + sizeAxis, "predicted_10x",
                                       "last_slope", "plateau"],
            rows: rows, title: "\(metric) = a + b·log10(\(sizeAxis))",
            footer: try wrap { try queue.read { db in Self.unbuiltFooter(try unbuilt(q, db)) } })
    }

    private struct SeriesKey: Hashable {
        var columns: [String]
        var values: [String?]
    }

    private func seriesFits(_ q: ResultsQuery, sizeAxis: String, seriesAxes: [String], metric: String) throws
        -> (columns: [String], series: [(key: SeriesKey, points: Int, fit: ScalingFit.Fit?)]) {
        if seriesAxes.contains(sizeAxis) {
            throw XGraphError.usage("the size axis '\(sizeAxis)' cannot also be a series axis")
        }
        return try wrap {
            try queue.read { db in
                try checkAxes([sizeAxis] + seriesAxes, db, context: "fit")
                try checkMetrics([metric], db)
                let runs = try select(q, db).filter { run in
                    run.metrics[metric] != nil && run.axis(sizeAxis) != nil
                        && seriesAxes.allSatisfy { run.axis($0) != nil }
                }
                let split = SplitKey(runs: runs, naming: [sizeAxis] + seriesAxes)
                let columns = split.columns + seriesAxes
                var points: [[String?]: [(size: Double, value: Double)]] = [:]
                for run in runs {
                    let label = run.axis(sizeAxis)!
                    guard let size = SizeLabel.parse(label), size > 0 else {
                        throw XGraphError.usage("fit: \(run.node): \(sizeAxis)=\(label) is not a positive data size "
                            + "(like 30M); leave it out with --where \(sizeAxis)!=\(label)")
                    }
                    let key = split.values(of: run) + seriesAxes.map { run.axis($0) }
                    points[key, default: []].append((Double(size), run.metrics[metric]!))
                }
                if points.isEmpty {
                    throw XGraphError.usage("fit: no selected run has both a \(sizeAxis) axis and the metric \(metric)")
                }
                let series = points.keys.sorted { a, b in LabelOrder.less(a, b) }.map { key in
                    (key: SeriesKey(columns: columns, values: key), points: points[key]!.count,
                     fit: ScalingFit.fit(points: points[key]!))
                }
                return (columns, series)
            }
        }
    }
}
