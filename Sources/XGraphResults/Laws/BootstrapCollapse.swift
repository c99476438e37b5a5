import Foundation

/// A bootstrap whose every resample gives the same fit: its intervals are points, and a point
/// printed as `[0.7721, 0.7721]` reads as certainty. It is the opposite: the runs carry no
/// variation the bootstrap can resample, so it knows nothing about the noise a new run would
/// have. Noise-free data do it (a deterministic simulation, or one run per size that
/// the law fits exactly: the residuals it resamples are all zero), and so do replicates that all
/// gave the same numbers (every resample of identical blocks is the same data).
enum BootstrapCollapse {
    /// A band narrower than this fraction of the metric is a point: no training run is
    /// reproducible to a millionth, so an interval that narrow comes from no noise at all.
    static let relativeWidth = 1e-6

    /// The warning for a fit whose bootstrap band at its largest measured size collapsed, saying
    /// why; nil when the band has a width (or there are no draws to judge).
    static func warning(_ fit: LawSeriesFit) -> String? {
        guard fit.draws > 0, let band = fit.band(data: fit.maxData, model: fit.maxModel) else { return nil }
        let value = fit.metric(data: fit.maxData, model: fit.maxModel)
        guard band.upper - band.lower <= relativeWidth * max(abs(value), .leastNormalMagnitude) else {
            return parameterWarning(fit)
        }
        let why: String
        let largest = fit.residuals.map { abs($0.logResidual) }.max() ?? 0
        if largest <= relativeWidth {
            why = "every run lies on the fitted law (log residuals below \(relativeWidth)): noise-free data, such as a "
                + "deterministic simulation or one run per size that the law fits exactly, leave nothing to resample"
        } else if fit.scheme == .blocks {
            why = "every replicate gave the same numbers, so every resample of them is the same data"
        } else {
            why = "the resampled runs do not vary"
        }
        return "the bootstrap intervals are points: every resample gave the same fit, because \(why). That is not "
            + "certainty: the interval cannot see noise the runs do not show. Add replicates whose runs differ (seeds), "
            + "or read the forecast as having no interval"
    }

    /// One parameter's interval a point while the forecast's has a width: the parameter sat at
    /// the same place in every resample, which is a bound of the fit (an irreducible term E at
    /// its floor of about 0, when the runs show none), not a measurement to that precision.
    static func parameterWarning(_ fit: LawSeriesFit) -> String? {
        let names = fit.estimate.law.parameterNames
        // E at its floor wanders among values like 1e-30 that are all nothing against the loss:
        // it is measured against the loss at the largest size, the others against themselves.
        let loss = fit.estimate.loss(data: fit.maxData, model: fit.maxModel ?? 1)
        // A parameter the optimum's own warning already calls degenerate (`RobustFit`: a term
        // that vanishes, an exponent near 0 or at its bound) is said once, there.
        let said = fit.estimate.warning ?? ""
        let points = names.indices.filter { i in
            let name = names[i]
            if said.contains("\(name)'s term vanishes") || said.contains("\(name) is near 0") || said.contains("\(name) is at its upper bound") {
                return false
            }
            guard i < fit.intervals.count, let iv = fit.intervals[i] else { return false }
            let own = abs(fit.estimate.values[i])
            let scale = max(names[i] == "E" ? max(own, loss) : own, .leastNormalMagnitude)
            return iv.upper - iv.lower <= relativeWidth * scale
        }
        guard !points.isEmpty else { return nil }
        let list = points.map { "\(names[$0]) = \(String(format: "%.4g", fit.estimate.values[$0]))" }.joined(separator: ", ")
        return "the bootstrap interval of \(list) is a point: every resample left it at the same value, a bound of the fit "
            + "(such as an irreducible term the runs do not show, fitted as about 0), not a measurement that precise"
    }
}
