import XGraphResults

/// Lays the series of `xgraph fit` reports out as plots: one plot per value combination of the
/// panel columns (by default every key column that is not a series axis: the step when several
/// take part, and axes such as task and mode), one line per series within it.
public enum ScalingPanels {
    /// One report to draw, and how its series are told apart from another commit's.
    public struct Source: Sendable {
        public var report: ScalingFitReport
        /// Added to each series' label (a commit, in `--diff`); nil for a single report.
        public var tag: String?
        /// Draw its markers hollow (the older commit of a `--diff`).
        public var hollow: Bool

        public init(report: ScalingFitReport, tag: String? = nil, hollow: Bool = false) {
            self.report = report; self.tag = tag; self.hollow = hollow
        }
    }

    /// The plots of one metric. `panelColumns` nil: each report's key columns other than its
    /// series axes. Series with the same label keep the same style in every panel, and a
    /// series label's style is the same across the sources of a diff (only the fill differs).
    public static func plots(_ sources: [Source], panelColumns: [String]?, units: String) -> [SVGPlot] {
        guard let first = sources.first else { return [] }
        let options = first.report.options
        var panelOrder: [[String]] = []
        var panels: [[String]: [SVGPlot.Series]] = [:]
        var styleOf: [String: Int] = [:]
        // Series labels in key order across all sources, so that styles are stable.
        var labelOrder: [String] = []
        var entries: [(panel: [String], label: String, source: Source, series: ScalingSeries)] = []
        var panelNames: [String] = []
        for source in sources {
            let r = source.report
            let columns = panelColumns ?? r.columns.filter { !r.options.seriesAxes.contains($0) }
            if panelNames.isEmpty { panelNames = columns }
            for s in r.series {
                let panel = columns.map { s.key[$0] ?? "-" }
                let lineColumns = r.columns.filter { !columns.contains($0) }
                let label = lineColumns.compactMap { c in s.key[c].map { "\(c)=\($0)" } }.joined(separator: ", ")
                if !labelOrder.contains(label) { labelOrder.append(label) }
                entries.append((panel, label.isEmpty ? options.metric : label, source, s))
            }
        }
        for (i, label) in labelOrder.enumerated() { styleOf[label] = i }
        for entry in entries {
            if panels[entry.panel] == nil { panelOrder.append(entry.panel) }
            let style = SeriesStyle.at(styleOf[entry.label] ?? 0, hollow: entry.source.hollow)
            let label = entry.source.tag.map { entry.label + " @ " + $0 } ?? entry.label
            panels[entry.panel, default: []].append(SVGPlot.Series(
                label: label, style: style, points: points(entry.series),
                fit: entry.series.fit.map { SVGPlot.Line(a: $0.a, b: $0.b, from: $0.minSize, to: $0.maxSize) }))
        }
        let yLabel = units.isEmpty ? options.metric : "\(options.metric) (\(units))"
        let xLabel = "\(options.sizeAxis): training examples (log scale)"
        return panelOrder.map { key in
            let name = zip(panelNames, key).map { "\($0)=\($1)" }.joined(separator: ", ")
            return SVGPlot(title: name.isEmpty ? options.metric : "\(options.metric): \(name)", xLabel: xLabel, yLabel: yLabel,
                           series: panels[key] ?? [])
        }
    }

    /// A series' points per size: mean, sample SD (replicates), count, in increasing size.
    static func points(_ s: ScalingSeries) -> [SVGPlot.Point] {
        let bySize = Dictionary(grouping: s.points, by: \.size)
        return bySize.keys.sorted().map { size in
            let values = (bySize[size] ?? []).map(\.value)
            // Never empty: each size comes from a point. SampleSpread keeps identical replicates' SD at 0.
            let spread = SampleSpread.meanAndSD(values) ?? (mean: .nan, sd: nil)
            return SVGPlot.Point(size: size, label: s.label(size), mean: spread.mean, sd: spread.sd, n: values.count)
        }
    }

    /// The unit shown on a metric's axis, guessed from its name as the builtins and common
    /// scripts name metrics; empty when the name says nothing (the label is then the name).
    public static func units(of metric: String) -> String {
        let m = metric.lowercased()
        if m.hasSuffix("accuracy") || m.hasSuffix("acc") || m.hasSuffix("_error") || m == "error" { return "fraction, 0–1" }
        if m.hasSuffix("loss") { return "mean loss per example" }
        if m.hasSuffix("examples") || m.hasSuffix("parameters") || m.hasSuffix("classes") || m.hasPrefix("n_") || m == "n" {
            return "count"
        }
        if m.hasSuffix("_s") || m.hasSuffix("seconds") { return "seconds" }
        return ""
    }
}
