import ArgumentParser
import XGraphCore
import XGraphResults

extension ScalingLaw: ExpressibleByArgument {}

/// `xgraph fit`'s options for the power and joint laws (docs/results.md, "Scaling laws").
struct LawOptions: ParsableArguments {
    @Option(name: .long, help: "The law: loglinear (metric = a + b·log10 D), power (L = E + A·D^-α per series) or joint (L = E + A·N^-α + B·D^-β).")
    var law: ScalingLaw = .loglinear

    @Option(name: .long, help: "lower (a loss) or higher (a score, fitted on its error 1 − metric); default: guessed from the metric's name.")
    var direction: String?

    @Option(name: .long, help: "Where D comes from: the size axis (default), param:NAME or metric:NAME (e.g. metric:tokens).")
    var dataSize: String?

    @Option(name: .long, help: "Where N comes from (joint): a numeric capacity field (e.g. params), param:NAME or metric:NAME.")
    var modelSize: String?

    @Option(name: .long, help: "The axis ranging over capacities.")
    var modelAxis = "model"

    @Option(name: .long, help: "Bootstrap resamples for the 95 % intervals (0: none).")
    var bootstrap = 1000

    @Option(name: .long, help: "The bootstrap's seed: the same seed gives the same intervals.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Forecast here, e.g. data=300M or data=300M,model=r152 (repeatable; default: 10× the largest data size).")
    var at: [String] = []

    @Option(name: .long, help: "Huber's δ on log residuals (default 0.01).")
    var huberDelta = RobustFit.defaultDelta

    func validate(compare: String?, format: OutputFormat) throws {
        try validateValues()
        guard law != .loglinear else {
            let set = [("--at", !at.isEmpty), ("--direction", direction != nil), ("--data-size", dataSize != nil),
                       ("--model-size", modelSize != nil)].filter(\.1).map(\.0)
            if let first = set.first { throw ValidationError("\(first) needs --law power or --law joint") }
            return
        }
        if compare != nil { throw ValidationError("--compare compares log-linear slopes; leave it out with --law \(law.rawValue)") }
        if format == .csv { throw ValidationError("--law \(law.rawValue) prints a table or json (--format json), not csv") }
        for a in at { _ = try LawFitOptions.parseTarget(a) }
    }

    /// The checks of values that hold whatever the law.
    func validateValues() throws {
        if let direction, !MetricDirection.names.contains(direction) {
            throw ValidationError("--direction \(direction): expected \(MetricDirection.names.joined(separator: " or "))")
        }
        if bootstrap < 0 || bootstrap > 1_000_000 { throw ValidationError("--bootstrap \(bootstrap): expected 0 to 1000000") }
        if !(huberDelta > 0 && huberDelta.isFinite) { throw ValidationError("--huber-delta must be a positive number") }
    }

    func options(metric: String, sizeAxis: String, series: String, replicates: String?) throws -> LawFitOptions {
        LawFitOptions(
            law: law, metric: metric, sizeAxis: sizeAxis, seriesAxes: series.split(separator: ",").map(String.init),
            replicateAxis: replicates, modelAxis: modelAxis, higherIsBetter: direction.map { $0 == "higher" },
            dataSize: try dataSize.map { try SizeSource.parse($0, bareIsFieldOf: nil) },
            modelSize: try modelSize.map { try SizeSource.parse($0, bareIsFieldOf: modelAxis) },
            delta: huberDelta, bootstrap: bootstrap, seed: seed, targets: try at.map(LawFitOptions.parseTarget))
    }
}
