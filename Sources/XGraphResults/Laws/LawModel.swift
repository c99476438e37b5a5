import Foundation

/// The laws `xgraph fit --law` knows (docs/results.md, "Scaling laws").
public enum ScalingLaw: String, Sendable, CaseIterable {
    /// metric = a + b·log10(D): the seed papers' form, least squares (`ScalingFit`).
    case loglinear
    /// L(D) = E + A·D^(−α) per series (Hestness et al. 2017).
    case power
    /// L(N, D) = E + A·N^(−α) + B·D^(−β) over capacity × data (Chinchilla, approach 3).
    case joint

    /// The parameters' names, in the order `LawEstimate.values` holds them.
    public var parameterNames: [String] {
        switch self {
        case .loglinear: return ["a", "b"]
        case .power: return ["E", "A", "alpha"]
        case .joint: return ["E", "A", "alpha", "B", "beta"]
        }
    }
}

/// One measured run as the laws see it: its data size D, model size N (joint only), and the
/// loss-oriented value L > 0 (the metric, or its error `ceiling − metric`).
struct LawSample: Sendable, Equatable, Hashable {
    var data: Double
    var model: Double
    var loss: Double
    /// The block the bootstrap resamples it with (a replicate's label); nil: the run alone.
    var block: String?
}

/// The power and joint laws in the parametrisation the optimiser works in: every amplitude as
/// a log (so it stays positive without bounds), and each size centred at the geometric mean of
/// the measured sizes, so that amplitude and exponent are nearly uncorrelated and one scale of
/// damping suits both. θ = [e, a, α] (power) or [e, a, α, b, β] (joint), with
///     power: L = exp(e) + exp(a − α·(ln D − cD))
///     joint: L = exp(e) + exp(a − α·(ln N − cN)) + exp(b − β·(ln D − cD)).
struct LawModel: Sendable, Equatable {
    let law: ScalingLaw
    /// The centres, ln of the geometric mean size.
    let cD: Double
    let cN: Double

    init(law: ScalingLaw, samples: [LawSample]) {
        self.law = law
        let n = Double(max(samples.count, 1))
        cD = samples.reduce(0) { $0 + log($1.data) } / n
        cN = law == .joint ? samples.reduce(0) { $0 + log($1.model) } / n : 0
    }

    var parameterCount: Int { law == .joint ? 5 : 3 }

    /// Each power term as (amplitude index, exponent index, which size).
    private var terms: [(amp: Int, exp: Int, model: Bool)] {
        law == .joint ? [(1, 2, true), (3, 4, false)] : [(1, 2, false)]
    }

    /// The exponents stay in (0, 10]: a law that grows with size, or an exponent past 10
    /// (a step within one decade), is no scaling law. Log-amplitudes stay within e^±60 of the
    /// data, wide enough that an irreducible term of zero is reachable in effect.
    func bounds(_ samples: [LawSample]) -> (lower: [Double], upper: [Double]) {
        let ly = log(samples.map(\.loss).max() ?? 1)
        var lower = [Double](repeating: ly - 60, count: parameterCount)
        var upper = [Double](repeating: ly + 60, count: parameterCount)
        for t in terms { lower[t.exp] = 1e-6; upper[t.exp] = 10 }
        return (lower, upper)
    }

    /// L at (N, D) for θ.
    func loss(_ theta: [Double], data: Double, model: Double) -> Double {
        var l = exp(theta[0])
        for t in terms {
            let x = t.model ? log(model) - cN : log(data) - cD
            l += exp(theta[t.amp] - theta[t.exp] * x)
        }
        return l
    }

    /// Log residuals ln L̂ − ln L and their Jacobian, the optimiser's input.
    func residuals(_ theta: [Double], _ samples: [LawSample]) -> (r: [Double], jacobian: [[Double]]) {
        var r: [Double] = []
        var jac: [[Double]] = []
        r.reserveCapacity(samples.count); jac.reserveCapacity(samples.count)
        for s in samples {
            var parts = [exp(theta[0])]
            var xs: [Double] = []
            for t in terms {
                let x = t.model ? log(s.model) - cN : log(s.data) - cD
                xs.append(x)
                parts.append(exp(theta[t.amp] - theta[t.exp] * x))
            }
            let total = parts.reduce(0, +)
            var row = [Double](repeating: 0, count: parameterCount)
            row[0] = parts[0] / total
            for (i, t) in terms.enumerated() {
                let share = parts[i + 1] / total
                row[t.amp] = share
                row[t.exp] = -xs[i] * share
            }
            r.append(log(total) - log(s.loss))
            jac.append(row)
        }
        return (r, jac)
    }

    /// θ as users read it: E, then each amplitude at size 1 and its exponent.
    func published(_ theta: [Double]) -> [Double] {
        var out = theta
        out[0] = exp(theta[0])
        for t in terms {
            let c = t.model ? cN : cD
            out[t.amp] = exp(theta[t.amp] + theta[t.exp] * c)
        }
        return out
    }

    /// The starts of the multi-start search: a grid of exponents and irreducible fractions of the
    /// smallest loss, each amplitude set so its term carries the rest of the loss on average.
    func starts(_ samples: [LawSample]) -> [[Double]] {
        let minLoss = samples.map(\.loss).min() ?? 1
        let exponents: [Double] = law == .joint ? [0.1, 0.35, 1.0] : [0.05, 0.15, 0.35, 0.7, 1.5]
        let fractions: [Double] = law == .joint ? [1e-4, 0.5, 0.85] : [1e-4, 0.5, 0.9]
        var out: [[Double]] = []
        for f in fractions {
            let e = log(f * minLoss)
            if law == .joint {
                for alpha in exponents {
                    for beta in exponents {
                        // Half of what exceeds E to each term.
                        let a = mean(samples.map { log(max($0.loss - f * minLoss, 1e-12 * minLoss) / 2) + alpha * (log($0.model) - cN) })
                        let b = mean(samples.map { log(max($0.loss - f * minLoss, 1e-12 * minLoss) / 2) + beta * (log($0.data) - cD) })
                        out.append([e, a, alpha, b, beta])
                    }
                }
            } else {
                for alpha in exponents {
                    let a = mean(samples.map { log(max($0.loss - f * minLoss, 1e-12 * minLoss)) + alpha * (log($0.data) - cD) })
                    out.append([e, a, alpha])
                }
            }
        }
        return out
    }

    private func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(max(xs.count, 1)) }
}
