import Foundation

/// A fitted power or joint law: the optimum of the Huber loss on log residuals over many starts
/// (Chinchilla's approach 3, Hoffmann et al. 2022; Besiroglu et al. 2024).
public struct LawEstimate: Sendable, Equatable {
    public var law: ScalingLaw
    /// In `law.parameterNames` order: E, A, α (and B, β): amplitudes at size 1.
    public var values: [Double]
    /// Σ Huber(ln L̂ − ln L) at the optimum.
    public var objective: Double
    /// How many starts the search ran, and how many reached the optimum's loss.
    public var starts: Int
    public var startsAtOptimum: Int
    /// Set when starts that reach the optimum's loss disagree on the forecast at ten times the
    /// largest data size by more than 1 %: the data do not pin the law down.
    public var warning: String?
    let theta: [Double]
    let model: LawModel

    /// The fitted loss at (N, D); `model` is ignored by the power law.
    public func loss(data: Double, model n: Double = 1) -> Double {
        model.loss(theta, data: data, model: n)
    }

    public func value(_ name: String) -> Double? {
        law.parameterNames.firstIndex(of: name).map { values[$0] }
    }
}

/// The multi-start search and its settings.
public enum RobustFit {
    /// Huber's δ on log residuals: residuals within ±1 % of the loss count squared, larger ones
    /// linearly. Chinchilla used 10⁻³, which is the absolute loss for any realistic noise; 10⁻²
    /// keeps least squares' efficiency for the percent-level noise of seeds and still bounds
    /// the pull of one diverged run.
    public static let defaultDelta = 0.05

    /// Fits `law` to the samples from every start of `LawModel.starts`, or from `starts`
    /// when given (the bootstrap refits from the full data's optimum). nil when no start
    /// gives a finite loss.
    static func fit(_ law: ScalingLaw, _ samples: [LawSample], delta: Double = defaultDelta,
                    starts given: [[Double]]? = nil, model given2: LawModel? = nil) -> LawEstimate? {
        let model = given2 ?? LawModel(law: law, samples: samples)
        let (lower, upper) = model.bounds(samples)
        let lm = HuberLM(delta: delta, lower: lower, upper: upper)
        let starts = given ?? model.starts(samples)
        let results = starts.map { s in lm.minimise(from: s) { model.residuals($0, samples) } }
            .filter { $0.objective.isFinite }
        guard let best = results.min(by: { $0.objective < $1.objective }) else { return nil }
        // Equal within rounding and the optimiser's tolerance, relative to the loss's scale.
        let tolerance = best.objective * 1e-3 + 1e-10 * Double(samples.count)
        let atOptimum = results.filter { $0.objective <= best.objective + tolerance }
        var warning: String?
        if atOptimum.count > 1, let far = samples.map(\.data).max(), let n = samples.map(\.model).max() {
            let forecasts = atOptimum.map { log(model.loss($0.theta, data: far * 10, model: n)) }
            if let lo = forecasts.min(), let hi = forecasts.max(), hi - lo > 0.01 {
                let alphas = atOptimum.map { $0.theta[law == .joint ? 4 : 2] }
                warning = "\(atOptimum.count) of \(results.count) starts fit equally well but disagree at 10× the data "
                    + "by \(String(format: "%.1f", (exp(hi - lo) - 1) * 100)) % (data exponent from "
                    + "\(String(format: "%.3g", alphas.min() ?? 0)) to \(String(format: "%.3g", alphas.max() ?? 0))): "
                    + "the data do not pin the law down"
            }
        }
        // An exponent at its bound is not an estimate: the law degenerates to a flat level (or a step).
        for (i, name) in law.parameterNames.enumerated() where i > 0 {
            let note: String?
            let exponent = name == "alpha" || name == "beta"
            if !exponent {
                // A term 20 orders of magnitude below the loss is absent.
                note = best.theta[i] < lower[i] + 14 ? "\(name)'s term vanishes: \(name == "A" && law == .joint ? "a larger model" : "more data") "
                    + "does not improve the metric over this range, and the law is a flat level there" : nil
            } else if best.theta[i] * span(name == "alpha" && law == .joint ? samples.map(\.model) : samples.map(\.data)) < 0.01 {
                note = "\(name) is near 0: \(name == "alpha" && law == .joint ? "a larger model" : "more data") does not "
                    + "improve the metric over this range (the term changes by under 1 %), and the law is a flat level there"
            } else if best.theta[i] >= upper[i] * 0.999 {
                note = "\(name) is at its upper bound (10): the curve falls in a step, not as a power of size"
            } else {
                note = nil
            }
            if let note { warning = warning.map { $0 + "; " + note } ?? note }
        }
        return LawEstimate(law: law, values: model.published(best.theta), objective: best.objective,
                           starts: results.count, startsAtOptimum: atOptimum.count, warning: warning,
                           theta: best.theta, model: model)
    }

    /// ln(largest / smallest): how far a power of this size can move over the measured range.
    static func span(_ xs: [Double]) -> Double {
        guard let lo = xs.min(), let hi = xs.max(), lo > 0 else { return 0 }
        return log(hi / lo)
    }
}
