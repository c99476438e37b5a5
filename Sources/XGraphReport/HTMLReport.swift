import Foundation
import XGraphResults

/// The whole report as one self-contained HTML file: inline CSS and SVG, no script, no fonts,
/// images or styles fetched from anywhere, so it opens anywhere after `scp` and prints well.
/// docs/report.md describes each part.
public struct HTMLReport: Sendable {
    /// Where the shown results came from.
    public struct Provenance: Sendable {
        /// Each commit the shown runs were recorded at (short, `-dirty` when the tree had
        /// uncommitted changes), with how many runs; "(none)" for runs outside a repository.
        public var commits: [(label: String, runs: Int)]
        public var xgraphVersion: String
        public var store: String
        public var generated: String
        public var file: String?
        /// How the runs were chosen: step, filters, current keys or commits.
        public var selection: String

        public init(commits: [(label: String, runs: Int)], xgraphVersion: String, store: String, generated: String,
                    file: String?, selection: String) {
            self.commits = commits; self.xgraphVersion = xgraphVersion; self.store = store
            self.generated = generated; self.file = file; self.selection = selection
        }
    }

    /// A node of the file without a run of its current key, and why (`stale`, `never built`).
    public struct Unbuilt: Sendable, Equatable {
        public var node: String
        public var status: String
        public init(node: String, status: String) { self.node = node; self.status = status }
    }

    /// The plots of one metric.
    public struct PlotGroup: Sendable {
        public var metric: String
        public var plots: [SVGPlot]
        public init(metric: String, plots: [SVGPlot]) { self.metric = metric; self.plots = plots }
    }

    /// GPU-hours: used by the last build, and what the plan estimates the rest will take.
    public struct Cost: Sendable {
        public var lastBuildGPUHours: Double
        public var lastBuildWallSeconds: Double
        public var lastBuildRuns: Int
        public var plannedGPUHours: Double?
        public var plannedNodes: Int?
        public var plannedWallSeconds: Double?

        public init(lastBuildGPUHours: Double, lastBuildWallSeconds: Double, lastBuildRuns: Int,
                    plannedGPUHours: Double?, plannedNodes: Int?, plannedWallSeconds: Double?) {
            self.lastBuildGPUHours = lastBuildGPUHours; self.lastBuildWallSeconds = lastBuildWallSeconds
            self.lastBuildRuns = lastBuildRuns; self.plannedGPUHours = plannedGPUHours
            self.plannedNodes = plannedNodes; self.plannedWallSeconds = plannedWallSeconds
        }
    }

    public var title: String
    public var provenance: Provenance
    /// nil when not checked (no experiment file, or a `--diff`).
    public var unbuilt: [Unbuilt]?
    /// Lines shown above the plots (e.g. a metric that could not be plotted, and why).
    public var notes: [String]
    public var groups: [PlotGroup]
    public var pivots: [ResultTable]
    public var fits: [ResultTable]
    public var timeline: Timeline?
    public var cost: Cost?
    /// Forecast panels (`xgraph report --forecast`), after the fits.
    public var forecasts: [ForecastPanel] = []

    public init(title: String, provenance: Provenance, unbuilt: [Unbuilt]?, notes: [String], groups: [PlotGroup],
                pivots: [ResultTable], fits: [ResultTable], timeline: Timeline?, cost: Cost?) {
        self.title = title; self.provenance = provenance; self.unbuilt = unbuilt; self.notes = notes
        self.groups = groups; self.pivots = pivots; self.fits = fits; self.timeline = timeline; self.cost = cost
    }

    /// At most this many unbuilt nodes are listed by name; the rest are counted.
    public static let unbuiltListed = 200
    /// Markers get tooltips up to this many on the page.
    public static let tooltipMarkers = 5000
    /// A metric with more panels than this gets one legend above them instead of one in each.
    public static let sharedLegendPlots = 12

    public func render() -> String {
        let e = XMLText.escape
        var out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>\(e(title))</title><style>\(Self.css)</style></head><body>"
        out += "<h1>\(e(title))</h1>"
        out += unbuiltSection()
        out += provenanceSection()
        for note in notes { out += "<p class=\"note\">\(e(note))</p>" }
        out += "<section id=\"plots\"><h2>Scaling plots</h2>"
        if groups.isEmpty { out += "<p class=\"note\">No metric to plot.</p>" }
        // Tooltips cost about 60 bytes a marker: a page of tens of thousands leaves them out.
        let markers = groups.reduce(0) { $0 + $1.plots.reduce(0) { $0 + $1.series.reduce(0) { $0 + $1.points.count } } }
        var plotNumber = 0
        for (n, g) in groups.enumerated() {
            out += "<h3>\(e(g.metric))</h3>"
            let shared = g.plots.count > Self.sharedLegendPlots
            if shared { out += "<figure class=\"legendbox\">\(SVGPlot.legendSVG(g.plots, id: "l\(n)"))</figure>" }
            out += "<div class=\"panels\">"
            for var p in g.plots {
                p.id = "p\(plotNumber)"
                p.tooltips = markers <= Self.tooltipMarkers
                p.legend = !shared
                plotNumber += 1
                out += "<figure class=\"panel\">\(p.render())</figure>"
            }
            out += "</div>"
        }
        out += "<p class=\"how\">Each marker is the mean of a series' runs at one data size; a bar is ± one standard "
            + "deviation of its replicates. Lines are least-squares fits of metric = a + b·log10(size), drawn over the measured "
            + "sizes only. The x axis is logarithmic.</p></section>"
        if !fits.isEmpty {
            out += "<section id=\"fits\"><h2>Fits</h2>"
            for t in fits { out += HTMLTable.render(t) }
            out += "<p class=\"how\">\(e(ScalingFitReport.legend))</p></section>"
        }
        if !pivots.isEmpty {
            out += "<section id=\"tables\"><h2>Tables</h2>"
            for t in pivots { out += HTMLTable.render(t) }
            out += "</section>"
        }
        if !forecasts.isEmpty {
            out += "<section id=\"forecasts\"><h2>Forecasts</h2><div class=\"panels\">"
            for f in forecasts { out += f.render() }
            out += "</div><p class=\"how\">Log-log axes: the loss (or a score's error) against data size. The line is the "
                + "fitted law, the band its 95 % bootstrap interval, the shaded region lies beyond the largest measured size, "
                + "and the red marker is the forecast with its interval (docs/results.md, \"Scaling laws\").</p></section>"
        }
        out += timelineSection()
        out += "</body></html>\n"
        return out
    }

    private func unbuiltSection() -> String {
        let e = XMLText.escape
        guard let unbuilt else { return "" }
        if unbuilt.isEmpty {
            return "<p class=\"status ok\" id=\"status\">Every node of the file is built for the current spec.</p>"
        }
        var out = "<section class=\"status warn\" id=\"unbuilt\"><h2>Not built for the current spec: \(unbuilt.count) "
            + "node\(unbuilt.count == 1 ? "" : "s")</h2><p>These nodes have no run of their current key, so the plots and tables "
            + "below leave them out (stale: only runs of an earlier spec exist). <code>xgraph build</code> makes them current.</p><ul>"
        for u in unbuilt.prefix(Self.unbuiltListed) {
            out += "<li class=\"unbuilt\"><code>\(e(u.node))</code> (\(e(u.status)))</li>"
        }
        if unbuilt.count > Self.unbuiltListed { out += "<li>and \(unbuilt.count - Self.unbuiltListed) more</li>" }
        return out + "</ul></section>"
    }

    private func provenanceSection() -> String {
        let e = XMLText.escape
        let p = provenance
        var out = "<section id=\"provenance\"><h2>Provenance</h2><table class=\"kv\"><tbody>"
        let commits = p.commits.isEmpty ? "(no runs)"
            : p.commits.map { "<code class=\"commit\">\(e($0.label))</code> (\($0.runs) run\($0.runs == 1 ? "" : "s"))" }.joined(separator: ", ")
        var rows: [(String, String)] = []
        if let file = p.file { rows.append(("experiment file", "<code>\(e(file))</code>")) }
        rows += [("runs shown", e(p.selection)), ("commits", commits), ("store", "<code>\(e(p.store))</code>"),
                 ("xgraph", e(p.xgraphVersion)), ("generated", e(p.generated))]
        for (k, v) in rows { out += "<tr><th>\(e(k))</th><td>\(v)</td></tr>" }
        out += "</tbody></table>"
        if p.commits.contains(where: { $0.label.hasSuffix("-dirty") }) {
            out += "<p class=\"note\">A commit marked -dirty had uncommitted changes when its runs were recorded.</p>"
        }
        return out + "</section>"
    }

    private func timelineSection() -> String {
        var out = "<section id=\"timeline\"><h2>Last build</h2>"
        if let cost {
            var line = String(format: "%d run%@ in %@ wall time, %.2f GPU-hours.", cost.lastBuildRuns,
                              cost.lastBuildRuns == 1 ? "" : "s", Self.duration(cost.lastBuildWallSeconds), cost.lastBuildGPUHours)
            if let n = cost.plannedNodes, let h = cost.plannedGPUHours {
                line += n == 0 ? " The plan has nothing left to run."
                    : String(format: " The plan has %d node%@ left to run: about %.2f GPU-hours, %@ wall time.", n, n == 1 ? "" : "s", h,
                             Self.duration(cost.plannedWallSeconds ?? 0))
            }
            out += "<p>\(XMLText.escape(line))</p>"
        }
        if let timeline, !timeline.runs.isEmpty {
            out += "<figure class=\"timeline\">\(timeline.render())</figure>"
            out += "<p class=\"how\">One bar per node run, from its start to its end; one row per GPU, or per CPU slot for nodes "
                + "without GPUs (as many slots as the runs' overlaps needed).</p>"
        } else {
            out += "<p class=\"note\">No recorded runs.</p>"
        }
        return out + "</section>"
    }

    static func duration(_ s: Double) -> String {
        if s >= 3600 { return String(format: "%.1f h", s / 3600) }
        if s >= 60 { return String(format: "%.1f min", s / 60) }
        return String(format: "%.0f s", s)
    }

    static let css = """
        body{font-family:sans-serif;margin:1.5em;color:#000;background:#fff;max-width:1400px}
        h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #888;margin-top:1.6em}h3{font-size:1.05em}
        table{border-collapse:collapse;margin:.8em 0;font-size:.85em}caption{text-align:left;font-weight:bold;padding:.3em 0}
        th,td{border:1px solid #bbb;padding:2px 6px}th{background:#eee}td{text-align:right;font-variant-numeric:tabular-nums}td.t{text-align:left}
        td.empty{color:#777;text-align:center}table.kv th,table.kv td{text-align:left}
        .panels{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0}figure.panel{border:1px solid #ddd}
        .note,.how{color:#333;font-size:.9em}.status{padding:.5em 1em;border:2px solid #000}
        .warn{border-style:dashed;background:#fff4e5}.ok{background:#eef7ee}
        svg text{font-family:sans-serif;font-size:11px}svg .ptitle{font-size:13px;font-weight:bold}
        svg .axislabel{font-size:12px}svg .frame{fill:none;stroke:#000}svg .grid{stroke:#ddd;stroke-width:1}
        svg .fit{stroke-width:2;fill:none}svg .errorbar{stroke-width:1.2;fill:none}svg .marker{stroke-width:1.3}
        svg .legend .fit{stroke-width:2}svg .bar{stroke:#000;stroke-width:.3}
        @media print{body{margin:0}figure.panel{break-inside:avoid}section{break-inside:auto}}
        """
}
