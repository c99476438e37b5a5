import Foundation

/// A bootstrap whose every resample gives the same fit: its intervals are points, and a point
/// printed as `[0.7721, 0.7721]` reads as certainty. It is the opposite: the runs carry no
/// variation the bootstrap can resample, so it knows nothing about the noise a new run would
/// have (issue 27). Noise-free data do it (a deterministic simulation, or one run per size that
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
        guard band.upper - band.lower <= relativeWidth * max(abs(value), .leastNormalMagnitude) else { return nil }
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
}
