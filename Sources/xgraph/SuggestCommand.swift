import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphResults

/// `xgraph suggest`: the runs that shrink the forecast interval at a target the most per
/// GPU-hour (docs/results.md, "Choosing the next runs").
struct SuggestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "Choose the next runs: those that shrink the forecast interval at a target the most per GPU-hour.",
        discussion: "Fits the law as `xgraph fit --law` does, prices every node not built yet (duration history or estimate:, scaled by data size, with the upstream nodes it needs) and prints the runs, their cost, the interval expected after each, and the `xgraph build` command.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The experiment file.")
    var file: String

    @Option(name: .long, help: "The step whose nodes give the metric (e.g. finetune).")
    var step: String

    @Option(name: .long, help: "The metric to forecast.")
    var metric: String

    @Option(name: .long, help: "GPU-hours to spend, e.g. 200gpu-h or 200.")
    var budget: String

    @Option(name: .long, help: "Where to forecast, e.g. data=300M,model=r152.")
    var target: String

    @Option(name: .long, help: "Data sizes beyond the grid to consider too, e.g. 3M,30M.")
    var sizes: String?

    @Option(name: .long, help: "Filter on axes, e.g. 'task=coco-det'.")
    var `where`: String?

    @Option(name: .long, help: "The axis holding data sizes.")
    var sizeAxis = "data"

    @Option(name: .long, help: "Axes whose values make one series each (comma-separated).")
    var series = "model"

    @Option(name: .long, help: "An axis whose values are replicate runs (e.g. seed).")
    var replicates: String?

    /// --law defaults to loglinear for `fit`; suggest reads that as power.
    @OptionGroup var laws: LawOptions

    func validate() throws {
        try laws.validateValues()
        if !laws.at.isEmpty { throw ValidationError("suggest forecasts at --target; leave --at out") }
        _ = try Self.parseBudget(budget)
        _ = try LawFitOptions.parseTarget(target)
    }

    /// `200gpu-h`, `200 GPU-h`, `200h`, `200`.
    static func parseBudget(_ text: String) throws -> Double {
        var t = text.lowercased().replacingOccurrences(of: " ", with: "")
        for suffix in ["gpu-hours", "gpu-h", "gpuh", "h"] where t.hasSuffix(suffix) { t.removeLast(suffix.count); break }
        guard let v = Double(t), v > 0, v.isFinite else {
            throw ValidationError("--budget \(text): expected GPU-hours, e.g. 200gpu-h")
        }
        return v
    }

    func run() async throws {
        do {
            let ctx = try ResultsContext.open(file: file, storePath: store.store)
            var fit = try laws.options(metric: metric, sizeAxis: sizeAxis, series: series, replicates: replicates)
            fit.targets = [try LawFitOptions.parseTarget(target)]
            // A forecast needs a law with a floor: the power law unless --law joint.
            if fit.law == .loglinear { fit.law = .power }
            let extra = try (sizes ?? "").split(separator: ",").map { s -> Double in
                guard let n = SizeLabel.parse(String(s)), n > 0 else {
                    throw XGraphError.usage("--sizes \(s): not a data size; write sizes like 3M,30M")
                }
                return Double(n)
            }
            let report = try ctx.suggest(where: `where`, SuggestOptions(fit: fit, step: step, budget: try Self.parseBudget(budget),
                                                                       extraSizes: extra, file: file))
            print(report.text(metric: metric))
        } catch {
            XGraph.fail(error)
        }
    }
}
