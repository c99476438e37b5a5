import Foundation
import XGraphCore

/// What `scalingFits` fits: `metric` against `sizeAxis`, one series per value combination of
/// `seriesAxes`; runs that differ only in `replicateAxis` are pooled into their series as
/// replicates; `compareAxis` (one of the series axes) pairs series to compare their slopes.
public struct ScalingFitOptions: Sendable, Equatable {
    public var metric: String
    public var sizeAxis: String
    public var seriesAxes: [String]
    public var replicateAxis: String?
    public var compareAxis: String?
    /// Fit log10(1 − metric), the error on a log scale, instead of the metric: near its
    /// ceiling an accuracy cannot keep a constant gain per decade, its error can keep a
    /// constant ratio (error ∝ size^b, a power law without an asymptote).
    public var logError: Bool

    public init(metric: String, sizeAxis: String = "data", seriesAxes: [String] = ["model"],
                replicateAxis: String? = nil, compareAxis: String? = nil, logError: Bool = false) {
        self.metric = metric; self.sizeAxis = sizeAxis; self.seriesAxes = seriesAxes
        self.replicateAxis = replicateAxis; self.compareAxis = compareAxis; self.logError = logError
    }
}

/// One series: its points and, with two sizes or more, its fit.
public struct ScalingSeries: Sendable, Equatable {
    /// The series key's columns (`ScalingFitReport.columns`) and this series' values (nil where
    /// its runs lack a split axis).
    public var values: [String?]
    /// The key as column → value, without the nil values.
    public var key: [String: String]
    public var points: [ScalingFit.Point]
    /// The size axis's label of each size (`30k`), for display.
    public var labels: [Double: String]
    public var fit: ScalingFit.Fit?
    /// The test of b = 0 within the command's family (Holm); nil without an SE.
    public var slopeTest: FamilyTest?

    /// The size's label as the runs wrote it, or a size label made from it.
    public func label(_ size: Double) -> String {
        labels[size] ?? (size < 1e18 ? SizeLabel.format(Int(size.rounded())) : String(size))
    }
}

/// Two series of one group that differ only on the compare axis.
public struct ScalingSeriesComparison: Sendable, Equatable {
    /// The other key columns' values (the group).
    public var group: [String: String]
    /// The two series' values on the compare axis; the difference is first − second.
    public var first: String
    public var second: String
    /// nil when either series has no standard error (fewer than three points).
    public var comparison: SlopeComparison?
    /// The comparison within the command's family (Holm); nil with `comparison`.
    public var test: FamilyTest?
}

/// Everything `xgraph fit` shows; `ScalingFitReport+Tables.swift` and `+JSON` render it.
public struct ScalingFitReport: Sendable, Equatable {
    public var options: ScalingFitOptions
    /// The series key's columns: `step` and axes that split series (as in pivots), then the
    /// series axes.
    public var columns: [String]
    /// In key order; series with one size have no fit.
    public var series: [ScalingSeries]
    /// With a compare axis: every pair within each group, in series order.
    public var comparisons: [ScalingSeriesComparison]
    /// With current nodes: how many were left out for having no run of their current key.
    public var footer: String?
    /// The tests this report prints, corrected together.
    public var family = TestFamily(slopeTests: 0, comparisons: 0)
}

extension ResultsIndex {
    /// Fits `options.metric` = a + b·log10(size) per series (docs/results.md). Like `pivot`,
    /// runs that also differ in another axis (or the step) are split into separate series
    /// rather than mixed, and those axes join the series key; the replicate axis is the
    /// exception, pooled instead. A size value that is not a positive size label is an error:
    /// exclude it with a filter (`--where data!=full`).
    public func scalingFits(_ q: ResultsQuery, _ options: ScalingFitOptions) throws -> ScalingFitReport {
        try scalingFits(selectRuns(q), options)
    }

    /// `scalingFits` over runs selected once (see `selectRuns`).
    public func scalingFits(_ selection: SelectedRuns, _ options: ScalingFitOptions) throws -> ScalingFitReport {
        let o = options
        let named = [o.sizeAxis] + o.seriesAxes + (o.replicateAxis.map { [$0] } ?? [])
        if Set(named).count != named.count {
            throw XGraphError.usage("fit: the size axis '\(o.sizeAxis)', the series axes and the replicate axis must differ; "
                + "got \(named.joined(separator: ","))")
        }
        if let c = o.compareAxis, !o.seriesAxes.contains(c) {
            throw XGraphError.usage("fit: --compare \(c) must be one of the series axes (\(o.seriesAxes.joined(separator: ","))); "
                + "add it to --series")
        }
        try selection.checkAxes(named, context: "fit")
        try selection.checkMetrics([o.metric])
        let runs = selection.runs.filter { run in
            run.metrics[o.metric] != nil && named.allSatisfy { run.axis($0) != nil }
        }
        let split = SplitKey(runs: runs, naming: named)
        var points: [[String?]: [ScalingFit.Point]] = [:]
        var labels: [[String?]: [Double: String]] = [:]
        for run in runs {
            // Both present: the filter above kept only runs with every named axis and the metric.
            guard let label = run.axis(o.sizeAxis), let metric = run.metrics[o.metric] else { continue }
            guard !o.logError || metric < 1 else {
                throw XGraphError.usage("fit --log-error: \(run.node): \(o.metric) is \(metric); log10(1 − \(o.metric)) needs a value below 1")
            }
            let value = o.logError ? log10(1 - metric) : metric
            guard let size = SizeLabel.parse(label), size > 0 else {
                throw XGraphError.usage("fit: \(run.node): \(o.sizeAxis)=\(label) is not a positive data size "
                    + "(like 30M); leave it out with --where \(o.sizeAxis)!=\(label)")
            }
            let key = split.values(of: run) + o.seriesAxes.map { run.axis($0) }
            points[key, default: []].append(ScalingFit.Point(size: Double(size), value: value,
                                                             replicate: o.replicateAxis.flatMap { run.axis($0) }))
            labels[key, default: [:]][Double(size)] = label
        }
        if points.isEmpty {
            throw XGraphError.usage("fit: no selected run has both a \(o.sizeAxis) axis and the metric \(o.metric)")
        }
        let columns = split.columns + o.seriesAxes
        let sizes = LabelOrder.Sizes(points.keys.lazy.flatMap { $0.compactMap { $0 } })
        let series = points.keys.sorted { a, b in sizes.less(a, b) }.map { key in
            let p = points[key] ?? []
            return ScalingSeries(
                values: key,
                key: Dictionary(zip(columns, key).compactMap { c, v in v.map { (c, $0) } }, uniquingKeysWith: { a, _ in a }),
                points: p, labels: labels[key] ?? [:], fit: ScalingFit.fit(points: p, replicates: o.replicateAxis != nil))
        }
        var report = ScalingFitReport(options: o, columns: columns, series: series,
                                      comparisons: o.compareAxis.map { Self.comparisons(series, columns: columns, axis: $0) } ?? [],
                                      footer: selection.footer)
        report.correctForMultipleTests()
        return report
    }

    /// Every pair of series that agree on all key columns but `axis`.
    static func comparisons(_ series: [ScalingSeries], columns: [String], axis: String) -> [ScalingSeriesComparison] {
        guard let a = columns.firstIndex(of: axis) else { return [] }
        var groups: [[String?]: [ScalingSeries]] = [:]
        var order: [[String?]] = []
        for s in series {
            var rest = s.values
            rest.remove(at: a)
            if groups[rest] == nil { order.append(rest) }
            groups[rest, default: []].append(s)
        }
        let otherColumns = columns.enumerated().filter { $0.offset != a }.map(\.element)
        var out: [ScalingSeriesComparison] = []
        for rest in order {
            let members = groups[rest] ?? []
            let group = Dictionary(zip(otherColumns, rest).compactMap { c, v in v.map { (c, $0) } },
                                   uniquingKeysWith: { x, _ in x })
            for i in members.indices {
                for j in members.indices where j > i {
                    let first = members[i], second = members[j]
                    out.append(ScalingSeriesComparison(
                        group: group, first: first.values[a] ?? "-", second: second.values[a] ?? "-",
                        comparison: first.fit.flatMap { f in second.fit.flatMap { SlopeComparison(f, $0) } }))
                }
            }
        }
        return out
    }

    /// One scaling fit per series (see `scalingFits`), as series key → fit; series with fewer
    /// than two distinct sizes are left out.
    public func fits(_ q: ResultsQuery, sizeAxis: String, seriesAxes: [String],
                     metric: String) throws -> [(series: [String: String], fit: ScalingFit.Fit)] {
        try scalingFits(q, ScalingFitOptions(metric: metric, sizeAxis: sizeAxis, seriesAxes: seriesAxes))
            .series.compactMap { s in s.fit.map { (s.key, $0) } }
    }
}
