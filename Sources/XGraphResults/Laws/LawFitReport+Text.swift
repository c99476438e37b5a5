import Foundation

/// `xgraph fit --law power|joint` as text: one block per series.
extension LawFitReport {
    public var text: String {
        var lines: [String] = []
        let o = options
        let formula = o.law == .joint ? "L(N, D) = E + A·N^−α + B·D^−β" : "L(D) = E + A·D^−α"
        let sources = "D: \((o.dataSize ?? .axis(o.sizeAxis)))" + (o.modelSize.map { ", N: \($0)" } ?? "")
        lines.append("\(formula) on L = \(direction.fitted(o.metric)) (\(sources)); Huber δ \(fmt(o.delta)) on ln L; "
            + "bootstrap \(o.bootstrap), seed \(o.seed); 95 % percentile intervals")
        for s in series {
            lines.append("")
            let key = columns.compactMap { c in s.key[c].map { "\(c)=\($0)" } }.joined(separator: " ")
            let sizes = Set(s.points.map(\.data)).sorted()
            lines.append("\(key.isEmpty ? "(all runs)" : key): \(s.points.count) runs at \(sizes.count) data sizes "
                + "(\(sizes.first.map(s.label) ?? "-") … \(sizes.last.map(s.label) ?? "-"))")
            guard let f = s.fit else {
                lines.append("  not fitted: \(s.error ?? "no fit")")
                lines.append(contentsOf: comparisonLines(s))
                continue
            }
            let e = f.estimate
            for (i, name) in e.law.parameterNames.enumerated() {
                let iv = f.intervals[i].map { "[\(fmt($0.lower)), \(fmt($0.upper))]" } ?? "-"
                lines.append("  \(name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(fmt(e.values[i]).padding(toLength: 11, withPad: " ", startingAt: 0)) \(iv)")
            }
            if let reason = f.noIntervalReason { lines.append("  no intervals: \(reason)") }
            else {
                lines.append("  bootstrap: \(f.draws) draws of \(f.scheme == .blocks ? "replicate blocks" : "residuals")"
                    + (f.failedDraws > 0 ? ", \(f.failedDraws) refits failed" : ""))
            }
            for c in f.forecasts {
                let iv = c.interval.map { " [\(fmt($0.lower)), \(fmt($0.upper))]" } ?? ""
                var reach = c.dataDecades > 0 ? "extrapolates \(fmt1(c.dataDecades)) decades of data past \(s.label(f.maxData))"
                    : c.dataDecades < 0 ? "\(fmt1(-c.dataDecades)) decades of data below the smallest size" : "within the measured data sizes"
                if let m = c.modelDecades, m != 0 { reach += ", \(fmt1(abs(m))) decades of model size \(m > 0 ? "past" : "below") the measured" }
                lines.append("  forecast \(c.at.label): \(o.metric) \(fmt(c.value))\(iv) (\(reach))")
                if let r = suggested[LawSeriesReport.keyText(s.key) + "\n" + c.at.label], r.expected.count == 2 {
                    let now = c.interval.map { "now [\(fmt($0.lower)), \(fmt($0.upper))], width \(fmt($0.upper - $0.lower))" } ?? "now no interval"
                    lines.append("    suggest (\(r.created)) expected [\(fmt(r.expected[0])), \(fmt(r.expected[1]))], width "
                        + "\(fmt(r.expected[1] - r.expected[0])) after \(r.runs.count) runs; \(now)")
                }
            }
            if let w = e.warning { lines.append("  warning: \(w)") }
            if let w = f.bootstrapWarning { lines.append("  warning: \(w)") }
            lines.append(contentsOf: comparisonLines(s))
        }
        if skipped > 0 { lines.append("\n\(skipped) runs left out: they lack the data or model size asked for") }
        return lines.joined(separator: "\n")
    }

    private func comparisonLines(_ s: LawSeriesReport) -> [String] {
        let usable = s.comparison.filter { $0.meanAbsError != nil }
        guard !usable.isEmpty else { return [] }
        let parts = usable.map { c in
            "\(c.law.rawValue) \(fmt(c.meanAbsError ?? 0))" + (c.largestSizeError.map { " (largest size \(fmt($0)))" } ?? "")
        }
        return ["  leave-one-size-out |error| of \(options.metric): " + parts.joined(separator: ", ")]
    }

    private func fmt(_ x: Double) -> String { String(format: "%.4g", x) }
    private func fmt1(_ x: Double) -> String { String(format: "%.1f", x) }
}
