import Foundation
import XGraphCore

/// One run as `LawFitter` takes it: the metric as recorded, at data size D and model size N.
public struct LawPoint: Sendable, Equatable {
    public var data: Double
    /// The model size; only the joint law reads it.
    public var model: Double?
    public var value: Double
    /// The replicate's label (the `--replicates` axis value, e.g. a seed); resampled as a block.
    public var replicate: String?
    /// The node, for messages.
    public var node: String?

    public init(data: Double, model: Double? = nil, value: Double, replicate: String? = nil, node: String? = nil) {
        self.data = data; self.model = model; self.value = value; self.replicate = replicate; self.node = node
    }
}

/// How `LawFitter` fits: the law, the metric's direction, Huber's δ and the bootstrap.
public struct LawSettings: Sendable, Equatable {
    public var law: ScalingLaw
    public var direction: MetricDirection
    public var delta: Double
    public var bootstrap: Int
    public var seed: UInt64

    public init(law: ScalingLaw, direction: MetricDirection = .lower, delta: Double = RobustFit.defaultDelta,
                bootstrap: Int = 1000, seed: UInt64 = 0) {
        self.law = law; self.direction = direction; self.delta = delta; self.bootstrap = bootstrap; self.seed = seed
    }
}

/// Where to forecast: a data size and, for the joint law, a model size.
public struct ForecastPoint: Sendable, Equatable {
    public var data: Double
    public var model: Double?
    /// As the user wrote it (`data=300M,model=r152`), for display.
    public var label: String

    public init(data: Double, model: Double? = nil, label: String) {
        self.data = data; self.model = model; self.label = label
    }
}

/// A forecast of the metric with its bootstrap interval.
public struct LawForecast: Sendable, Equatable {
    public var at: ForecastPoint
    public var value: Double
    /// The 95 % percentile interval over the bootstrap draws; nil without draws.
    public var interval: ScalingFit.Interval?
    /// log10(target / largest measured size), 0 inside the measured range (negative below it).
    public var dataDecades: Double
    public var modelDecades: Double?

    public var extrapolated: Bool { dataDecades != 0 || (modelDecades ?? 0) != 0 }
}

/// One run against the fitted law.
public struct LawResidual: Sendable, Equatable {
    public var point: LawPoint
    /// The law's value of the metric at the run's sizes.
    public var fitted: Double
    /// ln(loss) − ln(fitted loss): what the Huber loss weighs.
    public var logResidual: Double
}

/// Everything fitted for one series.
public struct LawSeriesFit: Sendable, Equatable {
    public var settings: LawSettings
    public var points: [LawPoint]
    public var estimate: LawEstimate
    /// Per parameter, in `law.parameterNames` order; nil without bootstrap draws.
    public var intervals: [ScalingFit.Interval?]
    public var scheme: BootstrapScheme?
    public var draws: Int
    public var failedDraws: Int
    /// Why there are no intervals, when there are none.
    public var noIntervalReason: String?
    public var forecasts: [LawForecast]
    public var residuals: [LawResidual]
    public var minData: Double
    public var maxData: Double
    public var maxModel: Double?
    /// The percentile level of the 95 % intervals (`BootstrapDraws.level`): above 0.95 with few
    /// degrees of freedom.
    public var percentileLevel: Double
    /// Set when the bootstrap's intervals collapsed to points (`BootstrapCollapse`): why, and
    /// that a point is not certainty.
    public var bootstrapWarning: String?
    /// The bootstrap's parameter vectors in the optimiser's form, for bands and `suggest`.
    let thetas: [[Double]]

    /// The fitted metric at (D, N).
    public func metric(data: Double, model: Double? = nil) -> Double {
        settings.direction.metric(estimate.loss(data: data, model: model ?? 1))
    }

    /// The 95 % band of the metric at (D, N) over the bootstrap draws.
    public func band(data: Double, model: Double? = nil) -> ScalingFit.Interval? {
        Percentile.interval(thetas.map { settings.direction.metric(estimate.model.loss($0, data: data, model: model ?? 1)) },
                            confidence: percentileLevel)
    }

    public func forecast(_ at: ForecastPoint) -> LawForecast {
        let decades = { (x: Double, lo: Double, hi: Double) -> Double in
            x > hi ? log10(x / hi) : x < lo ? log10(x / lo) : 0
        }
        let models = points.compactMap(\.model)
        return LawForecast(at: at, value: metric(data: at.data, model: at.model), interval: band(data: at.data, model: at.model),
                           dataDecades: decades(at.data, minData, maxData),
                           modelDecades: settings.law == .joint ? at.model.map { decades($0, models.min() ?? $0, models.max() ?? $0) } : nil)
    }
}

/// Fits a power or joint law to one series' points, with bootstrap intervals and forecasts.
public enum LawFitter {
    public static func fit(_ points: [LawPoint], _ settings: LawSettings, at targets: [ForecastPoint] = []) throws -> LawSeriesFit {
        let samples = try LawData.samples(points, settings)
        guard let estimate = RobustFit.fit(settings.law, samples, delta: settings.delta) else {
            throw XGraphError.usage("no start of the \(settings.law.rawValue) law gives a finite loss on these points")
        }
        let draws = settings.bootstrap > 0
            ? BootstrapDraws.run(estimate, samples, count: settings.bootstrap, seed: settings.seed, delta: settings.delta) : nil
        let p = estimate.model.parameterCount
        let intervals: [ScalingFit.Interval?] = (0..<p).map { i in draws?.interval { estimate.model.published($0)[i] } }
        var reason: String?
        if settings.bootstrap <= 0 {
            reason = "no bootstrap (--bootstrap 0)"
        } else if draws == nil {
            reason = "\(samples.count) runs for \(p) parameters and no replicates: nothing to resample; measure more sizes or seeds"
        }
        let residuals = zip(points, samples).map { point, s in
            let l = estimate.loss(data: s.data, model: s.model)
            return LawResidual(point: point, fitted: settings.direction.metric(l), logResidual: log(s.loss) - log(l))
        }
        var fit = LawSeriesFit(settings: settings, points: points, estimate: estimate, intervals: intervals,
                               scheme: draws?.scheme, draws: draws?.thetas.count ?? 0, failedDraws: draws?.failed ?? 0,
                               noIntervalReason: reason, forecasts: [], residuals: residuals,
                               minData: samples.map(\.data).min() ?? 0, maxData: samples.map(\.data).max() ?? 0,
                               maxModel: settings.law == .joint ? samples.map(\.model).max() : nil,
                               percentileLevel: draws?.level ?? ScalingFit.confidence, thetas: draws?.thetas ?? [])
        fit.bootstrapWarning = BootstrapCollapse.warning(fit)
        fit.forecasts = targets.map(fit.forecast)
        return fit
    }
}
