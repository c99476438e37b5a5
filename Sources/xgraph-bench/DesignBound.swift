import Foundation

/// What any choice of runs could do in the design bench, worked out on the true law by the
/// delta method, independently of `ForecastDesign`: the bench's claim "suggest reaches the
/// uniform grid's final width with at most half of its budget" is only attainable where some
/// design can, and these say where.
///
/// The parameters are θ = (ln E, ln A, α) of L(D) = E + A·D^−α; a run at D adds its row
/// r = ∂ ln L/∂θ to the information matrix M = Σ r rᵀ, and the forecast's variance at the
/// target is gᵀM⁻¹g with g = ∂ ln L/∂θ there (σ² and the bootstrap's constant cancel in ratios).
enum DesignBound {
    struct Law { var E: Double, A: Double, alpha: Double }

    static func row(_ law: Law, _ d: Double) -> [Double] {
        let p = law.A * pow(d, -law.alpha), l = law.E + p
        return [law.E / l, p / l, -p * log(d) / l]
    }

    static func det(_ a: [[Double]]) -> Double {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    }

    /// x = M⁻¹g by Cramer's rule (3×3); nil when M is singular.
    static func solve(_ m: [[Double]], _ g: [Double]) -> [Double]? {
        let d = det(m)
        guard d > 0, d.isFinite else { return nil }
        return (0..<3).map { j in
            var a = m
            for i in 0..<3 { a[i][j] = g[i] }
            return det(a) / d
        }
    }

    /// gᵀM⁻¹g; infinite when M is singular.
    static func variance(_ m: [[Double]], _ g: [Double]) -> Double {
        guard let x = solve(m, g) else { return .infinity }
        let v = zip(g, x).reduce(0) { $0 + $1.0 * $1.1 }
        return v > 0 ? v : .infinity
    }

    static func information(_ rows: [(row: [Double], n: Double)]) -> [[Double]] {
        var m = [[Double]](repeating: [0, 0, 0], count: 3)
        for (r, n) in rows { for a in 0..<3 { for b in 0..<3 { m[a][b] += n * r[a] * r[b] } } }
        return m
    }

    /// The smallest variance of any set of the grid's runs within `budget` (at most `available[i]`
    /// runs at `sizes[i]`, every set tried), with the `base` runs already made.
    static func bestWithin(_ law: Law, sizes: [Double], available: [Int], costs: [Double], base: [Double],
                           target: Double, budget: Double) -> Double {
        let rows = sizes.map { row(law, $0) }
        let g = row(law, target)
        let baseInfo = information(base.map { (row(law, $0), 1) })
        var best = Double.infinity
        var counts = [Int](repeating: 0, count: sizes.count)
        func visit(_ i: Int, _ spent: Double) {
            if i == sizes.count {
                var m = baseInfo
                for (k, r) in rows.enumerated() where counts[k] > 0 {
                    for a in 0..<3 { for b in 0..<3 { m[a][b] += Double(counts[k]) * r[a] * r[b] } }
                }
                best = min(best, variance(m, g))
                return
            }
            for n in 0...available[i] {
                let c = spent + Double(n) * costs[i]
                if c > budget + 1e-9 { break }
                counts[i] = n
                visit(i + 1, c)
            }
            counts[i] = 0
        }
        visit(0, 0)
        return best
    }

    /// The least budget at which some design, with any number of runs per size (fractional: a
    /// continuous relaxation, so a lower bound for whole runs), reaches `goal` variance. For a
    /// budget h, the spending shares π over sizes minimise the variance (convex in π) by the
    /// multiplicative algorithm π_i ∝ π_i·√(−∂V/∂π_i); then h is bisected.
    static func cheapestUnlimited(_ law: Law, sizes: [Double], costs: [Double], base: [Double], target: Double,
                                  goal: Double, upper: Double) -> Double {
        let rows = sizes.map { row(law, $0) }
        let g = row(law, target)
        let baseRows = base.map { (row: row(law, $0), n: 1.0) }
        func best(_ h: Double) -> Double {
            var pi = [Double](repeating: 1 / Double(sizes.count), count: sizes.count)
            var v = Double.infinity
            for _ in 0..<1500 {
                let m = information(baseRows + rows.indices.map { (rows[$0], h * pi[$0] / costs[$0]) })
                v = variance(m, g)
                // −∂V/∂n_i = (gᵀM⁻¹r_i)², and ∂n_i/∂π_i = h / c_i.
                guard let x = solve(m, g) else { return .infinity }
                let d = rows.indices.map { i -> Double in
                    let s = zip(x, rows[i]).reduce(0) { $0 + $1.0 * $1.1 }
                    return (h / costs[i] * s * s).squareRoot()
                }
                let total = zip(pi, d).reduce(0) { $0 + $1.0 * $1.1 }
                guard total > 0 else { break }
                pi = zip(pi, d).map { $0 * $1 / total }
            }
            return v
        }
        var lo = 0.0, hi = upper
        guard best(hi) <= goal else { return .infinity }
        for _ in 0..<30 {
            let mid = (lo + hi) / 2
            if best(mid) <= goal { hi = mid } else { lo = mid }
        }
        return hi
    }
}
