import Foundation
import XGraphCore

/// One series of a law fit: its key, and its fit or why there is none.
public struct LawSeriesReport: Sendable, Equatable {
    public var values: [String?]
    /// The key as column → value, without nil values.
    public var key: [String: String]
    /// The data size labels the runs wrote, by size.
    public var labels: [Double: String]
    public var points: [LawPoint]
    public var fit: LawSeriesFit?
    /// Why the series could not be fitted (two sizes, a constant metric, …).
    public var error: String?
    /// Leave-one-size-out errors of each law on this series' runs.
    public var comparison: [LawComparison]

    public func label(_ size: Double) -> String { labels[size] ?? LawData.label(size) }
}

/// Everything `xgraph fit --law power|joint` shows; `+Text` and `+JSON` render it.
public struct LawFitReport: Sendable, Equatable {
    public var options: LawFitOptions
    public var direction: MetricDirection
    public var columns: [String]
    public var series: [LawSeriesReport]
    /// Runs left out for lacking a size (the `--data-size` metric, the `--model-size` field).
    public var skipped: Int
    /// With current nodes: the unbuilt ones (as `xgraph results` says).
    public var footer: String?
    /// What an earlier `xgraph suggest` expected at a forecast, by series key text + "\n" +
    /// target (`SuggestionLog.annotate`).
    public var suggested: [String: SuggestionRecord] = [:]
}

extension ResultsIndex {
    public func lawFits(_ q: ResultsQuery, _ options: LawFitOptions) throws -> LawFitReport {
        try lawFits(selectRuns(q), options)
    }

    /// Fits `options.law` per series (docs/results.md, "Scaling laws"). Series are formed as
    /// `scalingFits` forms them, except that the joint law keeps every capacity in one fit.
    public func lawFits(_ selection: SelectedRuns, _ o: LawFitOptions) throws -> LawFitReport {
        guard o.law != .loglinear else { throw XGraphError.usage("fit: the loglinear law is `scalingFits`") }
        let joint = o.law == .joint
        let seriesAxes = joint ? o.seriesAxes.filter { $0 != o.modelAxis } : o.seriesAxes
        let dataSource = o.dataSize ?? .axis(o.sizeAxis)
        var required = seriesAxes + (o.replicateAxis.map { [$0] } ?? []) + (joint ? [o.modelAxis] : [])
        if case .axis(let a) = dataSource { required.append(a) }
        if Set(required).count != required.count {
            throw XGraphError.usage("fit: the size axis, the series axes, the model axis and the replicate axis must differ; "
                + "got \(required.joined(separator: ","))")
        }
        try selection.checkAxes(required, context: "fit")
        var metrics = [o.metric]
        for case .metric(let m)? in [dataSource, o.modelSize] { metrics.append(m) }
        try selection.checkMetrics(metrics)
        if joint && o.modelSize == nil {
            throw XGraphError.usage("fit --law joint needs the model size N: --model-size FIELD (a numeric field of the "
                + "capacities, e.g. params), --model-size param:NAME or --model-size metric:NAME")
        }
        let dataParams = try sourceNumbers(dataSource)
        let modelParams = try o.modelSize.flatMap(sourceNumbers)
        // The size axis names the runs' sizes even when D comes from elsewhere, so it never splits series.
        let named = required + [o.sizeAxis]
        let runs = selection.runs.filter { run in run.metrics[o.metric] != nil && required.allSatisfy { run.axis($0) != nil } }
        let split = SplitKey(runs: runs, naming: named)
        let allValues = runs.compactMap { $0.metrics[o.metric] }
        var asked = o
        if asked.higherIsBetter == nil {
            asked.higherIsBetter = try declaredDirection(metric: o.metric, keys: Set(runs.map(\.key)))
        }
        let direction = try Self.direction(asked, allValues)

        var points: [[String?]: [LawPoint]] = [:]
        var labels: [[String?]: [Double: String]] = [:]
        var modelLabels: [[String?]: [String: Double]] = [:]
        var skipped = 0
        for run in runs {
            guard let value = run.metrics[o.metric] else { continue }
            let d: Double?
            switch dataSource {
            case .axis(let a):
                guard let label = run.axis(a), let size = SizeLabel.parse(label), size > 0 else {
                    throw XGraphError.usage("fit: \(run.node): \(a)=\(run.axis(a) ?? "") is not a positive data size "
                        + "(like 30M); leave it out with --where \(a)!=\(run.axis(a) ?? "")")
                }
                d = Double(size)
            case .param, .metric: d = Self.number(dataSource, run, dataParams)
            }
            let n = o.modelSize.flatMap { Self.number($0, run, modelParams) }
            guard let d, !joint || n != nil else { skipped += 1; continue }
            let key = split.values(of: run) + seriesAxes.map { run.axis($0) }
            points[key, default: []].append(LawPoint(data: d, model: n, value: value,
                                                     replicate: o.replicateAxis.flatMap { run.axis($0) }, node: run.node))
            if case .axis = dataSource, let l = run.axis(o.sizeAxis) { labels[key, default: [:]][d] = l }
            if let n, let m = run.axis(o.modelAxis) { modelLabels[key, default: [:]][m] = n }
        }
        if points.isEmpty {
            throw XGraphError.usage("fit: no selected run has the metric \(o.metric) and a data size (\(dataSource))"
                + (joint ? " and a model size (\(o.modelSize.map { "\($0)" } ?? "-"))" : ""))
        }
        let columns = split.columns + seriesAxes
        let order = LabelOrder.Sizes(points.keys.lazy.flatMap { $0.compactMap { $0 } })
        let settings = LawSettings(law: o.law, direction: direction, delta: o.delta, bootstrap: o.bootstrap, seed: o.seed)
        let laws: [ScalingLaw] = joint ? [.loglinear, .power, .joint] : [.loglinear, .power]
        var series: [LawSeriesReport] = []
        for key in points.keys.sorted(by: { order.less($0, $1) }) {
            let p = points[key] ?? []
            let keyMap = Dictionary(zip(columns, key).compactMap { c, v in v.map { (c, $0) } }, uniquingKeysWith: { a, _ in a })
            var report = LawSeriesReport(values: key, key: keyMap, labels: labels[key] ?? [:], points: p, fit: nil, error: nil,
                                         comparison: LeaveOneSizeOut.compare(p, laws: laws, direction: direction, delta: o.delta))
            do {
                let targets = try Self.targets(o, series: keyMap, points: p, modelLabels: modelLabels[key] ?? [:])
                report.fit = try LawFitter.fit(p, settings, at: targets)
            } catch XGraphError.usage(let message) {
                // One series that cannot be fitted is said in its place; the others still are.
                report.error = message
            }
            series.append(report)
        }
        return LawFitReport(options: o, direction: direction, columns: columns, series: series, skipped: skipped,
                            footer: selection.footer)
    }

    /// Numbers by run key for a param source; nil for the others.
    private func sourceNumbers(_ s: SizeSource) throws -> [String: Double]? {
        if case .param(let name) = s { return try paramNumbers(name) }
        return nil
    }

    private static func number(_ s: SizeSource, _ run: IndexedRun, _ params: [String: Double]?) -> Double? {
        switch s {
        case .axis(let a): return run.axis(a).flatMap(SizeLabel.parse).map(Double.init)
        case .param: return params?[run.key]
        case .metric(let m): return run.metrics[m]
        }
    }

    static func direction(_ o: LawFitOptions, _ values: [Double]) throws -> MetricDirection {
        guard o.higherIsBetter ?? MetricDirection.guess(metric: o.metric) else { return .lower }
        guard let c = MetricDirection.ceiling(for: values) else {
            throw XGraphError.usage("fit: \(o.metric) reads as a score (higher is better) but has values above 100, so its "
                + "error (1 − \(o.metric) or 100 − \(o.metric)) is undefined; if it is a loss, say --direction lower")
        }
        return .higher(ceiling: c)
    }

    /// The forecast points of one series: each `--at` whose other clauses match the series
    /// (a `model=r152` target forecasts the r152 series of a power fit), or ten times the largest
    /// data size (at the largest model size for the joint law).
    static func targets(_ o: LawFitOptions, series key: [String: String], points: [LawPoint],
                        modelLabels: [String: Double]) throws -> [ForecastPoint] {
        let maxData = points.map(\.data).max() ?? 1
        let maxModel = points.compactMap(\.model).max()
        guard !o.targets.isEmpty else {
            let model = o.law == .joint ? maxModel : nil
            return [ForecastPoint(data: maxData * 10, model: model,
                                  label: "\(o.sizeAxis)=\(LawData.label(maxData * 10))" + (model.map { ",N=\(LawData.label($0))" } ?? ""))]
        }
        var out: [ForecastPoint] = []
        targets: for clauses in o.targets {
            var data: Double?
            var model: Double?
            for (k, v) in clauses {
                if k == o.sizeAxis || k == "data" {
                    guard let n = SizeLabel.parse(v), n > 0 else {
                        throw XGraphError.usage("--at \(k)=\(v): not a data size; write it like 300M or 3B")
                    }
                    data = Double(n)
                } else if o.law == .joint && (k == o.modelAxis || k == "model") {
                    if let n = modelLabels[v] ?? SizeLabel.parse(v).map(Double.init) ?? Double(v) {
                        model = n
                    } else {
                        let known = modelLabels.keys.sorted().joined(separator: ", ")
                        throw XGraphError.usage("--at \(k)=\(v): no run of this group has \(o.modelAxis)=\(v), so its size "
                            + "is unknown; measured: \(known.isEmpty ? "none" : known); or give the size itself (\(k)=60M)")
                    }
                } else if let have = key[k] {
                    if have != v { continue targets }
                } else {
                    throw XGraphError.usage("--at \(k)=\(v): '\(k)' is neither the data size (\(o.sizeAxis)) nor a series "
                        + "column (\(key.keys.sorted().joined(separator: ", ")))")
                }
            }
            guard let data else { throw XGraphError.usage("--at needs the data size: \(o.sizeAxis)=SIZE, e.g. \(o.sizeAxis)=300M") }
            out.append(ForecastPoint(data: data, model: model ?? (o.law == .joint ? maxModel : nil),
                                     label: clauses.map { "\($0.key)=\($0.value)" }.joined(separator: ",")))
        }
        return out
    }
}
