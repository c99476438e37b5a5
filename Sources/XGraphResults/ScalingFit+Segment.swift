import Foundation

extension ScalingFit {
    /// The test of the last segment (docs/results.md, "Plateau"): d = s − b, where s is the
    /// slope between the means at the two largest sizes. Both are linear in the points, so d is
    /// Σ cᵢyᵢ with cᵢ = uᵢ − wᵢ (uᵢ: s's weights, wᵢ = (xᵢ − x̄)/Sxx: b's) and, for independent
    /// points of one variance σ², Var(d) = σ²·Σcᵢ². σ² is the replicates' pure error when there
    /// is one, else the residual variance. Significant when the 95 % t interval of d excludes 0.
    static func lastSegment(xs: [Double], sizes: [SizeSummary], line: LeastSquares, residualVariance: Double?,
                            pureError: (variance: Double, df: Int)?) -> LastSegment? {
        guard sizes.count >= 3 else { return nil }
        let p = sizes[sizes.count - 2], q = sizes[sizes.count - 1]
        let xp = log10(p.size), xq = log10(q.size)
        let dx = xq - xp
        let slope = (q.mean - p.mean) / dx
        var sumC2 = 0.0
        for x in xs {
            var u = 0.0
            // Sizes are compared by their log, as the points' xs were computed.
            if x == xq { u = 1 / (Double(q.n) * dx) } else if x == xp { u = -1 / (Double(p.n) * dx) }
            let c = u - (x - line.mx) / line.sxx
            sumC2 += c * c
        }
        let source: VarianceSource, variance: Double, df: Double
        if let pureError {
            source = .replicates; variance = pureError.variance; df = Double(pureError.df)
        } else if let residualVariance {
            source = .residuals; variance = residualVariance; df = Double(xs.count - 2)
        } else {
            return nil
        }
        let difference = slope - line.b
        let se = (variance * sumC2).squareRoot()
        let t = StudentT.quantile(0.5 + confidence / 2, df: df)
        let interval = Interval(lower: difference - t * se, upper: difference + t * se)
        // Points exactly on a line leave rounding noise (1e-16) in both d and its SE; a
        // difference that small is no difference, whatever its t.
        let negligible = abs(difference) <= 1e-9 * max(abs(line.b), abs(slope))
        return LastSegment(fromSize: p.size, toSize: q.size, slope: slope, difference: difference, se: se, df: df,
                           variance: source, interval: interval, significant: !negligible && !interval.contains(0))
    }
}
