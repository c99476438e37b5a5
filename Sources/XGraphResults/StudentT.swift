import Foundation
import Synchronization

/// Student's t distribution, for the intervals and tests of `ScalingFit` (docs/results.md).
/// Implemented here rather than pulled in from a statistics library: it is one continued
/// fraction, and the tests pin it against known quantiles.
public enum StudentT {
    /// P(T ≤ t) for `df` degrees of freedom (any real df > 0). NaN for df ≤ 0 or a NaN t.
    public static func cdf(_ t: Double, df: Double) -> Double {
        guard df > 0, !t.isNaN else { return .nan }
        if t.isInfinite { return t > 0 ? 1 : 0 }
        // P(|T| > |t|) = I_x(df/2, 1/2) with x = df / (df + t²) (Abramowitz & Stegun 26.7.1).
        let tail = 0.5 * regularizedIncompleteBeta(x: df / (df + t * t), a: df / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// P(|T| ≥ |t|), the two-sided p-value, from the tail itself so that a small p keeps its
    /// digits (1 − cdf would round it to 0 below 1e-16). NaN for df ≤ 0 or a NaN t.
    public static func twoSidedP(_ t: Double, df: Double) -> Double {
        guard df > 0, !t.isNaN else { return .nan }
        if t.isInfinite { return 0 }
        return min(1, regularizedIncompleteBeta(x: df / (df + t * t), a: df / 2, b: 0.5))
    }

    /// The t with P(T ≤ t) = p: `quantile(0.975, df: n - 2)` is the multiplier of a 95 %
    /// interval. Bisection on the cdf to the last bits of a Double, so it is as accurate as the
    /// cdf (about 1e-12 relative). NaN outside 0 < p < 1 or for df ≤ 0.
    public static func quantile(_ p: Double, df: Double) -> Double {
        guard df > 0, p > 0, p < 1 else { return .nan }
        // A report fits thousands of series, nearly all with the same few (p, df): each
        // bisection is ~100 continued fractions, which was a tenth of a large report's time.
        let key = QuantileKey(p: p.bitPattern, df: df.bitPattern)
        if let known = quantiles.withLock({ $0[key] }) { return known }
        let t = solveQuantile(p, df: df)
        quantiles.withLock { cache in
            // Bounded: callers with ever new df (fractional, from Welch) cannot grow it forever.
            if cache.count >= 4096 { cache.removeAll(keepingCapacity: true) }
            cache[key] = t
        }
        return t
    }

    private struct QuantileKey: Hashable { var p: UInt64; var df: UInt64 }
    private static let quantiles = Mutex<[QuantileKey: Double]>([:])

    private static func solveQuantile(_ p: Double, df: Double) -> Double {
        if p == 0.5 { return 0 }
        // Symmetric: solve for the upper tail and mirror.
        if p < 0.5 { return -solveQuantile(1 - p, df: df) }
        var lo = 0.0, hi = 1.0
        // Doubling finds a bracket in at most ~1000 steps even for df → 0, where the quantile
        // can reach 1e300; past the largest Double the answer is infinite.
        while cdf(hi, df: df) < p {
            lo = hi
            hi *= 2
            if !hi.isFinite { return .infinity }
        }
        for _ in 0..<2000 {
            let mid = (lo + hi) / 2
            if mid <= lo || mid >= hi { break }
            if cdf(mid, df: df) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// I_x(a, b), the regularized incomplete beta function, by Lentz's continued fraction
    /// (Numerical Recipes §6.4), using the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) where the
    /// fraction converges slowly.
    static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaFraction(x: x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaFraction(x: 1 - x, a: b, b: a) / b
    }

    private static func betaFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            // The even and odd steps of the fraction.
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d; if abs(d) < tiny { d = tiny }
            c = 1 + even / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d; if abs(d) < tiny { d = tiny }
            c = 1 + odd / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let step = d * c
            h *= step
            if abs(step - 1) < 1e-16 { break }
        }
        return h
    }
}
