import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphResults

struct FitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a scaling law per series: metric = a + b·log10(data size) (default: slope ± SE, Holm-corrected tests), or a power law with bootstrap intervals and forecasts (--law power|joint).",
        discussion: "The statistics, their assumptions and the json fields are in docs/results.md.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var filters: QueryOptions

    @Argument(help: "An experiment file: fit the runs of its nodes' current keys.")
    var file: String?

    @Option(name: .long, help: "The metric to fit.")
    var metric: String

    @Option(name: .long, help: "The axis holding data sizes.")
    var sizeAxis = "data"

    @Option(name: .long, help: "Axes whose values make one series each (comma-separated).")
    var series = "model"

    @Option(name: .long, help: "An axis whose values are replicate runs (e.g. seed): one fit per replicate, b ± SE across them (df = replicates − 1), comparisons paired within replicates.")
    var replicates: String?

    @Option(name: .long, help: "A series axis (e.g. model): compare the slopes of series that differ only on it.")
    var compare: String?

    @Flag(name: .long, help: "Also list each point's residual (the json output always has them).")
    var residuals = false

    @Flag(name: .long, help: "Fit log10(1 − metric): the error on a log scale, for an accuracy near its ceiling.")
    var logError = false

    @OptionGroup var laws: LawOptions

    func validate() throws {
        if filters.format == .csv && residuals && compare != nil {
            throw ValidationError("csv holds one table: ask for --residuals or --compare, or use --format json")
        }
        try laws.validate(compare: compare, format: filters.format)
    }

    func run() async throws {
        do {
            let ctx = try ResultsContext.open(file: file, storePath: store.store)
            let q = try filters.query(ctx)
            if laws.law != .loglinear {
                var report = try ctx.index.lawFits(q, laws.options(metric: metric, sizeAxis: sizeAxis, series: series,
                                                                    replicates: replicates))
                SuggestionLog(store: ctx.store).annotate(&report)
                print(filters.format == .json ? report.json.canonical : report.text)
                if let footer = report.footer { FileHandle.standardError.write(Data((footer + "\n").utf8)) }
                // Each series says why it has no fit; with none fitted, the command failed.
                if report.series.allSatisfy({ $0.fit == nil }) { XGraph.finish(1) }
                return
            }
            let options = ScalingFitOptions(
                metric: metric, sizeAxis: sizeAxis, seriesAxes: series.split(separator: ",").map(String.init),
                replicateAxis: replicates, compareAxis: compare, logError: logError)
            let report = try ctx.index.scalingFits(q, options)
            switch filters.format {
            case .table:
                print(report.text(residuals: residuals))
            case .json:
                print(report.json.canonical)
                if let footer = report.footer { FileHandle.standardError.write(Data((footer + "\n").utf8)) }
            case .csv:
                var table = residuals ? report.residualTable() : compare != nil ? report.comparisonTable() : report.fitTable()
                table.footer = report.footer
                table.print(.csv)
            }
        } catch {
            XGraph.fail(error)
        }
    }
}
