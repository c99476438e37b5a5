import Foundation
import XGraphCore
import XGraphResults

/// Synthetic studies from a known law with multiplicative (log-normal) noise, as a seed's run
/// scatters around the curve.
struct LawSynthetic {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Double {
        let u = max(rng.nextUnit(), 1e-300), v = rng.nextUnit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// L(D) = E + A·D^(−α) at each size, `seeds` runs each, noise `sigma` on ln L.
    mutating func power(E: Double, A: Double, alpha: Double, sizes: [Double], seeds: Int = 1,
                        sigma: Double) -> [LawPoint] {
        var out: [LawPoint] = []
        for s in 0..<seeds {
            for d in sizes {
                let l = (E + A * pow(d, -alpha)) * exp(sigma * normal())
                out.append(LawPoint(data: d, value: l, replicate: seeds > 1 ? "\(s)" : nil))
            }
        }
        return out
    }

    /// L(N, D) = E + A·N^(−α) + B·D^(−β) on the grid models × sizes.
    mutating func joint(E: Double, A: Double, alpha: Double, B: Double, beta: Double, models: [Double],
                        sizes: [Double], sigma: Double) -> [LawPoint] {
        var out: [LawPoint] = []
        for n in models {
            for d in sizes {
                let l = (E + A * pow(n, -alpha) + B * pow(d, -beta)) * exp(sigma * normal())
                out.append(LawPoint(data: d, model: n, value: l))
            }
        }
        return out
    }
}
