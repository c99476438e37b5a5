import ArgumentParser
import XGraphBuild
import XGraphCore
import XGraphReport
import XGraphResults

/// `xgraph report`'s forecast panel: a power or joint law per series of one metric, and with a
/// budget the runs `suggest` would make next.
struct ForecastOptions: ParsableArguments {
    @Option(name: .long, help: "Add a forecast panel per series for this metric (power law; docs/results.md).")
    var forecast: String?

    @Option(name: .long, help: "The forecast panel's law: power (default) or joint.")
    var forecastLaw: ScalingLaw = .power

    @Option(name: .long, help: "Where the panel forecasts, e.g. data=300M,model=r152 (default: 10× the largest size).")
    var forecastAt: String?

    @Option(name: .long, help: "The model size for --forecast-law joint: a capacity field, param:NAME or metric:NAME.")
    var forecastModelSize: String?

    @Option(name: .long, help: "With --forecast-at: add the runs `xgraph suggest` would make with this many GPU-hours.")
    var forecastBudget: String?

    func panels(_ ctx: ResultsContext, where filter: String?, step: String?, sizeAxis: String, series: String,
                replicates: String?, file: String?) throws -> [ForecastPanel] {
        guard let metric = forecast else { return [] }
        if forecastLaw == .loglinear { throw XGraphError.usage("--forecast-law: power or joint (the log-linear fits are drawn already)") }
        var o = LawFitOptions(law: forecastLaw, metric: metric, sizeAxis: sizeAxis,
                              seriesAxes: series.split(separator: ",").map(String.init), replicateAxis: replicates,
                              modelSize: try forecastModelSize.map { try SizeSource.parse($0, bareIsFieldOf: "model") },
                              bootstrap: 300, targets: try forecastAt.map { [try LawFitOptions.parseTarget($0)] } ?? [])
        let q = try ctx.query(where: filter, commit: nil, step: step, latestOnly: true)
        let report = try ctx.index.lawFits(q, o)
        var suggestions: [DesignChoice] = []
        if let budget = forecastBudget {
            guard let file, let step, forecastAt != nil else {
                throw XGraphError.usage("--forecast-budget needs the experiment file, --step and --forecast-at (the target)")
            }
            o.bootstrap = 300
            suggestions = try ctx.suggest(where: filter, SuggestOptions(fit: o, step: step, budget: try SuggestCommand.parseBudget(budget),
                                                                      file: file)).choices
        }
        return report.series.compactMap { s in
            guard let fit = s.fit, !fit.forecasts.isEmpty else { return nil }
            let key = report.columns.compactMap { c in s.key[c].map { "\(c)=\($0)" } }.joined(separator: ", ")
            // The suggestion is for the one series the target picks: the first with a forecast.
            let mine = suggestions.isEmpty || s != report.series.first(where: { $0.fit?.forecasts.isEmpty == false }) ? [] : suggestions
            return ForecastPanel(title: "\(metric)\(key.isEmpty ? "" : ": " + key)", metric: metric, fit: fit, suggestions: mine)
        }
    }
}
