import Foundation

/// Fits with a replicate axis: one line per replicate, summarised across replicates.
///
/// Within one replicate (a seed) of a nested study the sizes share images, noisy labels and
/// initial weights, so its points are not independent draws: pooling every run into one
/// least-squares fit and taking n − 2 degrees of freedom overstates what the data know. The
/// replicates are independent of each other, so the unit of replication is the replicate: each
/// one's slope is a single observation, and b ± SE is their mean ± sd/√R on R − 1 degrees of
/// freedom (the "summary statistics" approach to repeated measures; docs/results.md).
extension ScalingFit {
    /// One replicate's own least-squares line over its points.
    struct ReplicateLine {
        var label: String
        var line: LeastSquares
        /// Mean value per size, for the last segment.
        var means: [Double: Double]
    }

    /// The replicates with at least two distinct sizes, in label order; points without a
    /// replicate label are left out.
    static func replicateLines(_ points: [Point]) -> [ReplicateLine] {
        var groups: [String: [Point]] = [:]
        for p in points {
            if let r = p.replicate { groups[r, default: []].append(p) }
        }
        return groups.keys.sorted().compactMap { label in
            let group = groups[label] ?? []
            guard Set(group.map(\.size)).count >= 2 else { return nil }
            let means = Dictionary(grouping: group, by: \.size).mapValues { g in g.map(\.value).reduce(0, +) / Double(g.count) }
            return ReplicateLine(label: label, line: LeastSquares(xs: group.map { log10($0.size) }, ys: group.map(\.value)),
                                 means: means)
        }
    }

    /// Mean, standard error of the mean and degrees of freedom (count − 1) of independent
    /// observations; nil for fewer than two.
    /// Replicates that agree to the last bits get an SE of exactly 0, not rounding noise
    /// (`0.1500 ± 1.602e-17`), as pivots do (`SampleSpread`).
    static func meanAndSE(_ values: [Double]) -> (mean: Double, se: Double, df: Int)? {
        guard values.count >= 2, let spread = SampleSpread.meanAndSD(values), let sd = spread.sd else { return nil }
        return (spread.mean, sd / Double(values.count).squareRoot(), values.count - 1)
    }

    /// The fit across replicates, or nil when fewer than two replicates have two sizes (the
    /// caller then pools, as for a single replicate the points are all one can use).
    static func acrossReplicates(_ points: [Point]) -> Fit? {
        let lines = replicateLines(points)
        guard let slope = meanAndSE(lines.map(\.line.b)),
              let minSize = points.map(\.size).min(), let maxSize = points.map(\.size).max() else { return nil }
        let a = lines.map(\.line.a).reduce(0, +) / Double(lines.count)
        let b = slope.mean
        let t = StudentT.quantile(0.5 + confidence / 2, df: Double(slope.df))
        let xs = points.map { log10($0.size) }
        let ys = points.map(\.value)
        // R² and the residuals describe the mean line against every point (descriptive only:
        // no test uses them).
        let my = ys.reduce(0, +) / Double(ys.count)
        var ssRes = 0.0, syy = 0.0
        for (x, y) in zip(xs, ys) {
            ssRes += (y - a - b * x) * (y - a - b * x); syy += (y - my) * (y - my)
        }
        let residuals = points.indices.map { i in
            Residual(size: points[i].size, value: ys[i], fitted: a + b * xs[i], residual: ys[i] - a - b * xs[i],
                     replicate: points[i].replicate)
        }
        let sizes = summaries(points)
        let segment = replicateLastSegment(lines, sizes: sizes)
        var verdict: Verdict?
        if let segment, segment.significant {
            verdict = segment.slope * (b < 0 ? -1 : 1) < abs(b) ? .plateau : .steepens
        }
        return Fit(a: a, b: b, bSE: slope.se,
                   bInterval: Interval(lower: b - t * slope.se, upper: b + t * slope.se), df: slope.df,
                   residualSD: points.count > 2 ? (ssRes / Double(points.count - 2)).squareRoot() : nil,
                   r2: syy == 0 ? 1 : 1 - ssRes / syy, n: points.count, minSize: minSize, maxSize: maxSize,
                   sizes: sizes, residuals: residuals, lastSegment: segment, verdict: verdict,
                   replicateSlopes: Dictionary(uniqueKeysWithValues: lines.map { ($0.label, $0.line.b) }))
    }

    /// The last segment per replicate: each replicate's slope between the two largest sizes
    /// minus its own b, averaged, with the SE across the replicates that have both sizes.
    static func replicateLastSegment(_ lines: [ReplicateLine], sizes: [SizeSummary]) -> LastSegment? {
        guard sizes.count >= 3 else { return nil }
        let p = sizes[sizes.count - 2].size, q = sizes[sizes.count - 1].size
        let dx = log10(q) - log10(p)
        var slopes: [Double] = [], differences: [Double] = []
        for r in lines {
            guard let yp = r.means[p], let yq = r.means[q] else { continue }
            slopes.append((yq - yp) / dx)
            differences.append((yq - yp) / dx - r.line.b)
        }
        guard let d = meanAndSE(differences) else { return nil }
        let t = StudentT.quantile(0.5 + confidence / 2, df: Double(d.df))
        let interval = Interval(lower: d.mean - t * d.se, upper: d.mean + t * d.se)
        let slope = slopes.reduce(0, +) / Double(slopes.count)
        // As in the pooled test: a difference of 1e-9 of the slopes is rounding noise.
        let negligible = abs(d.mean) <= 1e-9 * max(abs(slope), abs(slope - d.mean), 1e-300)
        return LastSegment(fromSize: p, toSize: q, slope: slope, difference: d.mean, se: d.se, df: Double(d.df),
                           variance: .acrossReplicates, interval: interval, significant: !negligible && !interval.contains(0))
    }
}
