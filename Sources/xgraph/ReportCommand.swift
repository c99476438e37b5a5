import ArgumentParser
import Foundation
import Synchronization
import XGraphBuild
import XGraphCore
import XGraphReport
import XGraphResults

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page: scaling plots with fits, the pivot and fit tables, provenance, unbuilt nodes, the last build's timeline.",
        discussion: "What each part shows and how to read it: docs/report.md.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "An experiment file: report the runs of its nodes' current keys, and list the nodes not built for the current spec.")
    var file: String?

    @Option(name: .shortAndLong, help: "The HTML file to write.")
    var output = "report.html"

    @Option(name: .long, help: "Only this step's nodes (as results and fit).")
    var step: String?

    @Option(name: .long, help: "Filter on axes, e.g. 'model=r101,data!=300M'.")
    var `where`: String?

    @Option(name: .long, help: "Metrics to plot (comma-separated; default: every metric the selected runs recorded).")
    var metric: String?

    @Option(name: .long, help: "The axis holding data sizes.")
    var sizeAxis = "data"

    @Option(name: .long, help: "Axes whose values make one line each (comma-separated).")
    var series = "model"

    @Option(name: .long, help: "Axes whose values make one plot each (default: every other axis that varies, e.g. task,mode).")
    var panel: String?

    @Option(name: .long, help: "An axis whose values are replicate runs (e.g. seed): mean ± SD error bars, one fit on all runs.")
    var replicates: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Two commits A B: draw both commits' curves in each plot (A hollow, B filled).")
    var diff: [String] = []

    @OptionGroup var forecast: ForecastOptions

    func validate() throws {
        if !diff.isEmpty && diff.count != 2 {
            throw ValidationError("--diff takes two commits, A and B (got \(diff.count)); put the experiment file before --diff")
        }
    }

    func run() async throws {
        do {
            let start = Date()
            let ctx = try ResultsContext.open(file: file, storePath: store.store)
            let opened = Date()
            var assembler = ReportAssembler(ctx: ctx, command: self)
            let html = try assembler.render()
            try Data(html.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            let seconds = Date().timeIntervalSince(start)
            print("wrote \(output) (\(html.utf8.count / 1024) KiB, \(String(format: "%.2f", seconds)) s)")
            if store.verbose {
                // Where the time went, for studies large enough to notice.
                let t = assembler.timings
                Console.err(String(format: "report: index open and sync %.2f s, plan %.2f s, queries %.2f s, html %.2f s\n",
                                   opened.timeIntervalSince(start), t.plan, t.queries, t.html))
            }
            XGraph.finish()
        } catch {
            XGraph.fail(error)
        }
    }
}

/// Gathers what the report shows from the results index and the plan.
struct ReportAssembler {
    let ctx: ResultsContext
    let command: ReportCommand
    /// Seconds spent planning (current keys, estimates), querying the index, writing HTML.
    var timings = (plan: 0.0, queries: 0.0, html: 0.0)

    private func list(_ text: String?) -> [String]? {
        text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    mutating func render() throws -> String {
        let index = ctx.index
        var clock = Date()
        func lap() -> Double { let now = Date(); defer { clock = now }; return now.timeIntervalSince(clock) }
        let c = command
        let seriesAxes = list(c.series) ?? []
        let panelAxes = list(c.panel)
        try checkNames(seriesAxes: seriesAxes, panelAxes: panelAxes ?? [])

        let planned = c.diff.isEmpty ? try ctx.currentPlan() : nil
        timings.plan = lap()
        var sources: [(q: ResultsQuery, tag: String?)] = []
        if c.diff.isEmpty {
            sources = [(try ctx.query(where: c.where, commit: nil, step: c.step, latestOnly: true, current: planned?.nodes), nil)]
        } else {
            for rev in c.diff {
                if ctx.specPath != nil {
                    // With a file, each commit's side is its nodes' results as of that commit: the
                    // runs of the keys the file and code at that commit give (`xgraph diff FILE A B`).
                    let asOf = try ctx.nodes(asOf: rev)
                    sources.append((try ctx.query(where: c.where, commit: nil, step: c.step, latestOnly: true, current: asOf.nodes), rev))
                } else {
                    sources.append((try ctx.query(where: c.where, commit: rev, step: c.step, latestOnly: true), rev))
                }
            }
        }
        // Each source's runs, selected once for its table and every metric's fit and pivot.
        let selections = try sources.map { try index.selectRuns($0.q) }
        // The plain table of each source: its commits, its unbuilt nodes, the metrics recorded.
        let tables = try selections.map { try index.table($0) }
        var commitRuns: [String: Int] = [:], commitOrder: [String] = []
        var tags: [String?] = []
        for t in tables {
            // Each column once: `column` copies it.
            let status = t.column(.run("status"))
            let labels = (t.column(.run("commit")) ?? []).enumerated().compactMap { i, v -> String? in
                // Unbuilt rows have no commit; they are not results shown.
                if let status, status[i] != .string("current") { return nil }
                return v == .null ? "(none)" : v.display
            }
            for l in labels {
                if commitRuns[l] == nil { commitOrder.append(l) }
                commitRuns[l, default: 0] += 1
            }
            tags.append(Set(labels).count == 1 ? labels.first : nil)
        }
        let metricNames: [String]
        if let named = list(c.metric) {
            metricNames = named
        } else {
            // The metrics namespace only: a metric may be called `epochs` or `duration_s`.
            var seen: [String] = []
            for t in tables {
                for field in t.fields ?? [] where field.group == "metrics" && !seen.contains(field.name) { seen.append(field.name) }
            }
            metricNames = seen
        }

        var notes: [String] = []
        var groups: [HTMLReport.PlotGroup] = []
        var pivots: [ResultTable] = []
        var fits: [ResultTable] = []
        // Each metric's fits, plots and pivots are independent: computed on every core, then
        // put in metric order; the first error in that order is thrown, as one by one would.
        let settings = MetricSettings(sizeAxis: c.sizeAxis, seriesAxes: seriesAxes, panelAxes: panelAxes,
                                      replicates: c.replicates, named: list(c.metric) != nil)
        let sourceTags = sources.map(\.tag), commitTags = tags
        let parts = Mutex<[Int: Result<MetricPart, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: metricNames.count) { i in
            let part = Result {
                try Self.metricPart(metricNames[i], index: index, selections: selections, sourceTags: sourceTags,
                                    commitTags: commitTags, settings)
            }
            parts.withLock { $0[i] = part }
        }
        let done = parts.withLock { $0 }
        for i in metricNames.indices {
            guard let part = try done[i]?.get() else { continue }
            if let note = part.note { notes.append(note) }
            if let group = part.group { groups.append(group) }
            fits += part.fits
            pivots += part.pivots
        }

        let unbuilt: [HTMLReport.Unbuilt]? = planned == nil ? nil : tables.first.map { t in
            guard let status = t.column(.run("status")), let nodes = t.column(.own("node")) else { return [] }
            return zip(nodes, status).compactMap { node, s in
                s == .string("current") ? nil : HTMLReport.Unbuilt(node: node.display, status: s.display)
            }
        }
        let timeline = try lastBuild()
        let cost = HTMLReport.Cost(lastBuildGPUHours: timeline.gpuHours, lastBuildWallSeconds: timeline.wallSeconds,
                                   lastBuildRuns: timeline.runs.count, plannedGPUHours: planned?.plan.gpuHours,
                                   plannedNodes: planned?.plan.toRun, plannedWallSeconds: planned?.plan.wallSeconds)
        var selection = c.diff.isEmpty
            ? (planned != nil ? "each node's run of its current key" : "the newest run of each node")
            : ctx.specPath != nil
                ? "each node's result as of commit \(c.diff[0]) (hollow markers) and as of \(c.diff[1]) (filled): the run of "
                    + "the key the experiment file and its code at that commit give"
                : "the newest run of each node at commit \(c.diff[0]) (hollow markers) and at \(c.diff[1]) (filled)"
        if let step = c.step { selection += "; step \(step)" }
        if let w = c.where { selection += "; where \(w)" }
        if let r = c.replicates { selection += "; one fit per \(r), slopes across replicates" }
        let provenance = HTMLReport.Provenance(
            commits: commitOrder.map { ($0, commitRuns[$0] ?? 0) }, xgraphVersion: XGraphVersion.string,
            store: ctx.store.root, generated: TimeText.iso8601(Date()), file: ctx.specPath, selection: selection)
        var title = "Scaling report"
        if let path = ctx.specPath { title += ": " + (path as NSString).lastPathComponent }
        if !c.diff.isEmpty { title += " (\(c.diff[0]) vs \(c.diff[1]))" }
        timings.queries = lap()
        var page = HTMLReport(title: title, provenance: provenance, unbuilt: unbuilt, notes: notes, groups: groups,
                              pivots: pivots, fits: fits, timeline: timeline, cost: cost)
        page.forecasts = try command.forecast.panels(ctx, where: c.where, step: c.step, sizeAxis: c.sizeAxis,
                                                     series: c.series, replicates: c.replicates, file: c.file)
        let html = page.render()
        timings.html = lap()
        return html
    }

    /// What the per-metric work needs from the command line.
    private struct MetricSettings: Sendable {
        var sizeAxis: String
        var seriesAxes: [String]
        var panelAxes: [String]?
        var replicates: String?
        /// True when the user named the metrics (`--metric`): one that cannot be plotted is
        /// then an error, not a note.
        var named: Bool
    }

    /// One metric's share of the page.
    private struct MetricPart: Sendable {
        var note: String?
        var group: HTMLReport.PlotGroup?
        var fits: [ResultTable] = []
        var pivots: [ResultTable] = []
    }

    /// The plots, fits and pivots of `metric` over each source's selection.
    private static func metricPart(_ metric: String, index: ResultsIndex, selections: [SelectedRuns],
                                   sourceTags: [String?], commitTags: [String?], _ s: MetricSettings) throws -> MetricPart {
        let options = ScalingFitOptions(metric: metric, sizeAxis: s.sizeAxis,
                                        seriesAxes: (s.panelAxes ?? []) + s.seriesAxes, replicateAxis: s.replicates)
        var reports: [ScalingPanels.Source] = []
        do {
            for (i, selection) in selections.enumerated() {
                let r = try index.scalingFits(selection, options)
                let tag = sourceTags[i].map { rev in commitTags[i].map { "\(rev) (\($0))" } ?? rev }
                reports.append(.init(report: r, tag: tag, hollow: selections.count > 1 && i == 0))
            }
        } catch let error as XGraphError where !s.named {
            // A default metric that cannot be plotted (no run has it with a size) is noted;
            // a metric the user named is an error.
            return MetricPart(note: "\(metric) is not plotted: \(error.description)")
        }
        var part = MetricPart()
        let plots = ScalingPanels.plots(reports, panelColumns: s.panelAxes, units: ScalingPanels.units(of: metric))
        part.group = HTMLReport.PlotGroup(metric: metric, plots: plots)
        for source in reports {
            var fit = source.report.summaryText()
            if let tag = source.tag { fit.title = (fit.title ?? "") + " @ " + tag }
            part.fits.append(fit)
            if s.replicates != nil { part.fits.append(source.report.sizeText()) }
        }
        for i in selections.indices {
            var t = try index.pivot(selections[i], rows: [s.sizeAxis], columns: s.seriesAxes, metric: metric)
            if let tag = reports[i].tag { t.title = (t.title ?? "") + " @ " + tag }
            part.pivots.append(t)
        }
        return part
    }

    /// Unknown axes and steps are errors that name the valid ones, before any work.
    private func checkNames(seriesAxes: [String], panelAxes: [String]) throws {
        let (axes, steps) = try ctx.index.axisAndStepNames()
        if axes.isEmpty { throw XGraphError.usage("report: the store has no results yet; run `xgraph build` first") }
        let named = [("--size-axis", [command.sizeAxis]), ("--series", seriesAxes), ("--panel", panelAxes),
                     ("--replicates", command.replicates.map { [$0] } ?? [])]
        for (option, names) in named {
            for name in names where !axes.contains(name) {
                throw XGraphError.usage("report: \(option): unknown axis '\(name)'; axes that exist: \(axes.joined(separator: ", "))")
            }
        }
        if let step = command.step {
            if !steps.contains(step) {
                throw XGraphError.usage("report: --step: no results of step '\(step)'; steps with results: \(steps.joined(separator: ", "))")
            }
        }
    }

    /// The runs of the last build among the file's nodes (every run without a file).
    private func lastBuild() throws -> Timeline {
        try Timeline.lastBuild(in: ctx.index, nodes: ctx.nodes)
    }
}
