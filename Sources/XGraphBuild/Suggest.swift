import Foundation
import XGraphCore
import XGraphGraph
import XGraphResults

/// What `xgraph suggest` is asked: the law fit (its metric, series, sizes and the one target in
/// `fit.targets`), the step whose nodes are candidates, the budget, and sizes beyond the grid.
public struct SuggestOptions: Sendable {
    public var fit: LawFitOptions
    public var step: String
    public var budget: Double
    public var extraSizes: [Double]
    /// The experiment file as the user named it, for the build command.
    public var file: String

    public init(fit: LawFitOptions, step: String, budget: Double, extraSizes: [Double] = [], file: String) {
        self.fit = fit; self.step = step; self.budget = budget; self.extraSizes = extraSizes; self.file = file
    }
}

/// `xgraph suggest`'s answer: the fitted series, its forecast at the target now, the runs chosen
/// (each with its cost and the interval's expected width after it), and the build command.
public struct SuggestReport: Sendable {
    public var seriesKey: [String: String]
    public var forecast: LawForecast
    public var choices: [DesignChoice]
    /// Candidate ids of runs at sizes the grid does not declare (`--sizes`), by id → data size.
    public var outsideGrid: [String: Double]
    public var budget: Double
    public var candidates: Int
    /// `xgraph build FILE NODE…` for the chosen runs the grid declares; nil when none.
    public var command: String?
    /// The fit's warning when its bootstrap intervals are points (`LawSeriesFit.bootstrapWarning`):
    /// no run can then be seen to narrow them, and the interval is no measure of certainty.
    public var bootstrapWarning: String?

    /// The forecast interval expected after every chosen run: today's, scaled about the
    /// forecast by the expected width ratio. nil without an interval or a choice.
    public var expected: ScalingFit.Interval? {
        guard let iv = forecast.interval, let last = choices.last, iv.upper > iv.lower else { return nil }
        let r = last.widthAfter / (iv.upper - iv.lower)
        return ScalingFit.Interval(lower: forecast.value - (forecast.value - iv.lower) * r,
                                   upper: forecast.value + (iv.upper - forecast.value) * r)
    }
}

extension ResultsContext {
    public func suggest(where filter: String?, _ o: SuggestOptions) throws -> SuggestReport {
        guard let workspace else { throw XGraphError.usage("suggest needs the experiment file: xgraph suggest FILE …") }
        guard let (nodes, plan) = try currentPlan() else { throw XGraphError.usage("suggest needs the experiment file") }
        let graph = workspace.graph
        guard graph.nodes.contains(where: { $0.step == o.step }) else {
            let steps = Array(Set(graph.nodes.compactMap { n -> String? in if case .source = n.kind { return nil }; return n.step })).sorted()
            throw XGraphError.usage("suggest: no step '\(o.step)'; steps: \(steps.joined(separator: ", "))")
        }
        let q = try query(where: filter, commit: nil, step: o.step, latestOnly: true, current: nodes)
        let report = try index.lawFits(q, o.fit)
        let matched = report.series.filter { $0.fit?.forecasts.isEmpty == false }
        guard let series = matched.first, let fit = series.fit, let forecast = fit.forecasts.first else {
            let why = report.series.compactMap { s in s.error.map { "\(Self.keyText(s.key)): \($0)" } }
            throw XGraphError.usage("suggest: no fitted series matches the target"
                + (why.isEmpty ? "; series: " + report.series.map { Self.keyText($0.key) }.joined(separator: "; ")
                               : ":\n  " + why.joined(separator: "\n  ")))
        }
        if matched.count > 1 {
            throw XGraphError.usage("suggest: the target matches \(matched.count) series ("
                + matched.map { Self.keyText($0.key) }.joined(separator: "; ") + "); name the others in --target or --where")
        }
        let history = workspace.durationHistory()
        let gpuHours = { (n: Node) in history.estimate(n) * Double(max(n.resources.gpus, 1)) / 3600 }
        var cached = Set<Int>()
        for (i, e) in plan.entries.enumerated() where e.status == .cached { cached.insert(i) }
        // Every node `i` needs that is not a dataset and (unless `built`) not built yet: its costs.
        func upstream(_ i: Int, built: Bool = false) -> [String: Double] {
            var out: [String: Double] = [:]
            var stack = graph.dependencies(of: i)
            var seen = Set<Int>()
            while let j = stack.popLast() {
                guard seen.insert(j).inserted else { continue }
                let n = graph.nodes[j]
                if case .source = n.kind { continue }
                if cached.contains(j) && !built { continue }
                out[n.id] = gpuHours(n)
                stack += graph.dependencies(of: j)
            }
            return out
        }
        let dataAxis: String = { if case .axis(let a)? = o.fit.dataSize { return a }; return o.fit.sizeAxis }()
        var candidates: [DesignCandidate] = []
        // Nodes of the series, built or not, that a size outside the grid is priced from.
        var templates: [(node: Node, index: Int, data: Double, model: Double?)] = []
        for (i, n) in graph.nodes.enumerated() where n.step == o.step {
            guard Self.matches(n, series.key), let label = n.axes.first(where: { $0.axis == dataAxis })?.value,
                  let size = SizeLabel.parse(label), size > 0 else { continue }
            let model = o.fit.law == .joint ? Self.modelSize(n, o.fit, fit) : nil
            if o.fit.law == .joint && model == nil { continue }
            templates.append((n, i, Double(size), model))
            if cached.contains(i) { continue }
            candidates.append(DesignCandidate(id: n.id, data: Double(size), model: model, cost: gpuHours(n), upstream: upstream(i)))
        }
        // Sizes beyond the grid (`--sizes`): at the target's model size (or the nearest one),
        // priced from the largest nodes there, scaled by data size as the duration history
        // scales estimates, upstream runs included. One candidate per node at that largest size,
        // so each replicate (seed) of the series can be run at the new size, as in the grid.
        var outside: [String: Double] = [:]
        let targetModel = forecast.at.model ?? 0
        let nearest = templates.map { abs(log(($0.model ?? 1) / max(targetModel, 1e-300))) }.min()
        let atModel = templates.filter { o.fit.law != .joint || abs(log(($0.model ?? 1) / max(targetModel, 1e-300))) == nearest }
        let largest = atModel.map(\.data).max()
        for t in atModel where t.data == largest {
            guard let label = t.node.axes.first(where: { $0.axis == dataAxis })?.value else { continue }
            for size in o.extraSizes where !templates.contains(where: { $0.data == size && $0.model == t.model }) {
                let ratio = size / t.data
                let sizeLabel = LawDataLabel.text(size)
                let id = t.node.id.replacingOccurrences(of: "\(dataAxis)=\(label)", with: "\(dataAxis)=\(sizeLabel)")
                var up: [String: Double] = [:]
                let sized = "\(dataAxis)=\(label)"
                let unbuilt = upstream(t.index)
                for (u, c) in upstream(t.index, built: true) {
                    if u.contains(sized) {
                        // A node of that size too (its subset, its pretraining): new, named as it
                        // would be, its cost scaled with the data.
                        up[u.replacingOccurrences(of: sized, with: "\(dataAxis)=\(sizeLabel)")] = c * ratio
                    } else if let cost = unbuilt[u] {
                        // Shared by every size (a generating step): paid once, only if not built.
                        up[u] = cost
                    }
                }
                candidates.append(DesignCandidate(id: id, data: size, model: t.model, cost: gpuHours(t.node) * ratio, upstream: up))
                outside[id] = size
            }
        }
        let choices = ForecastDesign.choose(fit, target: forecast.at, candidates: candidates, budget: o.budget)
        let inGrid = choices.map(\.candidate.id).filter { outside[$0] == nil }
        let command = inGrid.isEmpty ? nil
            : (["xgraph", "build", o.file] + inGrid).map(shellQuote).joined(separator: " ")
        let answer = SuggestReport(seriesKey: series.key, forecast: forecast, choices: choices, outsideGrid: outside,
                                   budget: o.budget, candidates: candidates.count, command: command,
                                   bootstrapWarning: fit.bootstrapWarning)
        // Remembered so that `fit --at` shows it next to the interval the runs really give.
        if let now = forecast.interval, let expected = answer.expected {
            try SuggestionLog(store: store).record(SuggestionRecord(
                metric: o.fit.metric, law: o.fit.law.rawValue, series: LawSeriesReport.keyText(series.key), target: forecast.at.label,
                interval: [now.lower, now.upper], expected: [expected.lower, expected.upper],
                runs: choices.map(\.candidate.id), created: TimeText.iso8601(Date())))
        }
        return answer
    }

    static func keyText(_ key: [String: String]) -> String {
        key.isEmpty ? "(all runs)" : key.keys.sorted().map { "\($0)=\(key[$0] ?? "")" }.joined(separator: " ")
    }

    /// The node belongs to the series: its step and axis values agree with the series key.
    static func matches(_ n: Node, _ key: [String: String]) -> Bool {
        key.allSatisfy { column, value in
            column == "step" ? n.step == value : n.axes.first { $0.axis == column }?.value == value
        }
    }

    /// N for a candidate of the joint law: its parameter (a capacity field, numeric or a size
    /// label such as 25.6M), or for a metric the size measured on a run of the same capacity.
    static func modelSize(_ n: Node, _ o: LawFitOptions, _ fit: LawSeriesFit) -> Double? {
        switch o.modelSize {
        case .param(let name)?:
            var v: JSONValue? = n.params
            for part in name.split(separator: ".") { v = v?[String(part)] }
            if let d = v?.doubleValue { return d }
            return v?.stringValue.flatMap(SizeLabel.parse).map(Double.init)
        default:
            let capacity = n.axes.first { $0.axis == o.modelAxis }?.value
            return fit.points.first { p in p.node.map { $0.contains("\(o.modelAxis)=\(capacity ?? "")") } ?? false }?.model
        }
    }
}

/// Size labels for ids of runs outside the grid.
enum LawDataLabel {
    static func text(_ x: Double) -> String {
        x >= 1 && x < 1e18 && x == x.rounded() ? SizeLabel.format(Int(x)) : String(format: "%g", x)
    }
}
