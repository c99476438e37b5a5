import Foundation
import XGraphCore

/// How the bootstrap resamples a series (docs/results.md, "Bootstrap").
public enum BootstrapScheme: String, Sendable {
    /// Whole replicates (every run of one seed) drawn with replacement: the seeds' runs share a
    /// subset draw and an initialisation, so they are resampled together.
    case blocks
    /// One run per size leaves nothing to draw runs from without losing sizes, so the fit's log
    /// residuals, centred and scaled by √(n/(n − p)) for the p fitted parameters, are drawn with
    /// replacement onto the fitted curve.
    case residuals
}

/// The bootstrap refits of one law: each a parameter vector in the optimiser's form.
struct BootstrapDraws: Sendable {
    var scheme: BootstrapScheme
    var thetas: [[Double]]
    /// Draws whose refit found no finite optimum (left out of the intervals).
    var failed: Int

    /// Fits `count` resamples of `samples`, deterministic for `seed`. nil when the data allow
    /// no resampling: one block and no more runs than parameters.
    static func run(_ estimate: LawEstimate, _ samples: [LawSample], count: Int, seed: UInt64,
                    delta: Double) -> BootstrapDraws? {
        var rng = SplitMix64(seed: seed)
        let blocks = Array(Set(samples.compactMap(\.block))).sorted()
        let p = estimate.model.parameterCount
        let scheme: BootstrapScheme
        if blocks.count > 1 && samples.allSatisfy({ $0.block != nil }) {
            scheme = .blocks
        } else if samples.count > p {
            scheme = .residuals
        } else {
            return nil
        }
        let byBlock = Dictionary(grouping: samples) { $0.block ?? "" }
        let fitted = samples.map { estimate.model.loss(estimate.theta, data: $0.data, model: $0.model) }
        var residuals = zip(samples, fitted).map { log($0.loss) - log($1) }
        let centre = residuals.reduce(0, +) / Double(residuals.count)
        let inflation = (Double(samples.count) / Double(samples.count - p)).squareRoot()
        residuals = residuals.map { ($0 - centre) * inflation }

        var thetas: [[Double]] = []
        var failed = 0
        for _ in 0..<max(count, 0) {
            var resample: [LawSample] = []
            switch scheme {
            case .blocks:
                for _ in blocks.indices {
                    let b = blocks[Int(rng.next(below: UInt64(blocks.count)))]
                    resample += byBlock[b] ?? []
                }
            case .residuals:
                for (s, f) in zip(samples, fitted) {
                    var t = s
                    t.loss = f * exp(residuals[Int(rng.next(below: UInt64(residuals.count)))])
                    resample.append(t)
                }
            }
            // From the full data's optimum, in the same centred parametrisation: a resample's
            // optimum lies near it, and one start keeps a thousand refits fast.
            if let e = RobustFit.fit(estimate.law, resample, delta: delta, starts: [estimate.theta], model: estimate.model) {
                thetas.append(e.theta)
            } else {
                failed += 1
            }
        }
        return BootstrapDraws(scheme: scheme, thetas: thetas, failed: failed)
    }

    /// The percentile interval of `f` over the draws (nil without draws).
    func interval(confidence: Double = ScalingFit.confidence, _ f: ([Double]) -> Double) -> ScalingFit.Interval? {
        Percentile.interval(thetas.map(f), confidence: confidence)
    }
}

enum Percentile {
    /// The (1 − c)/2 and (1 + c)/2 quantiles of `values`, linearly interpolated (NumPy's default);
    /// non-finite values are dropped. nil without values.
    static func interval(_ values: [Double], confidence: Double = ScalingFit.confidence) -> ScalingFit.Interval? {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { return nil }
        return ScalingFit.Interval(lower: quantile(v, (1 - confidence) / 2), upper: quantile(v, (1 + confidence) / 2))
    }

    /// `sorted` must be sorted and not empty.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = q * Double(sorted.count - 1)
        let i = Int(h.rounded(.down))
        let j = min(i + 1, sorted.count - 1)
        return sorted[i] + (h - Double(i)) * (sorted[j] - sorted[i])
    }
}
