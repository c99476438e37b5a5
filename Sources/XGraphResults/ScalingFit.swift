import Foundation

/// The scaling law of docs/design.md §6 and Sun et al. 2017: a metric grows linearly in log data size,
/// `metric = a + b·log10(size)`, fitted by ordinary least squares, with the uncertainty of the
/// slope and a test of whether the curve bends at its end. docs/results.md gives the formulas.
public enum ScalingFit {
    /// Confidence level of every interval and test here.
    public static let confidence = 0.95

    /// One measured run.
    public struct Point: Sendable, Equatable {
        public var size: Double
        public var value: Double
        /// The replicate's label (the value of the `--replicates` axis, e.g. a seed), if any.
        public var replicate: String?

        public init(size: Double, value: Double, replicate: String? = nil) {
            self.size = size; self.value = value; self.replicate = replicate
        }
    }

    /// A closed interval, here always `estimate ± t·SE`.
    public struct Interval: Sendable, Equatable {
        public var lower: Double
        public var upper: Double

        public init(lower: Double, upper: Double) { self.lower = lower; self.upper = upper }
        public func contains(_ x: Double) -> Bool { lower <= x && x <= upper }
    }

    /// The points at one size: their number, mean and sample standard deviation (n − 1;
    /// nil for a single point).
    public struct SizeSummary: Sendable, Equatable {
        public var size: Double
        public var n: Int
        public var mean: Double
        public var sd: Double?
    }

    /// One point against the line.
    public struct Residual: Sendable, Equatable {
        public var size: Double
        public var value: Double
        public var fitted: Double
        /// value − fitted.
        public var residual: Double
        public var replicate: String?
    }

    /// Where the variance behind a test came from.
    public enum VarianceSource: String, Sendable {
        /// Pure error: the spread of replicates around their size's mean, pooled over sizes.
        case replicates
        /// The fit's residual variance, SSres / (n − 2).
        case residuals
        /// The spread of the replicates' own differences (one per replicate, R − 1 df).
        case acrossReplicates = "across_replicates"
    }

    /// What the test of the last segment found; absent (nil) when it found nothing.
    public enum Verdict: String, Sendable {
        /// The last segment gains less (in the fit's direction) than the fit: flattening.
        case plateau
        /// The last segment gains more than the fit: the curve steepens.
        case steepens
    }

    /// The slope between the two largest sizes, tested against the fit's slope.
    public struct LastSegment: Sendable, Equatable {
        public var fromSize: Double
        public var toSize: Double
        /// (mean at toSize − mean at fromSize) / (log10 toSize − log10 fromSize).
        public var slope: Double
        /// slope − b.
        public var difference: Double
        /// Standard error of `difference`, with the correlation between the two slopes taken
        /// into account (they share points).
        public var se: Double
        public var df: Double
        public var variance: VarianceSource
        /// The 95 % interval of `difference`.
        public var interval: Interval
        /// `interval` excludes 0: the segment's slope differs from the fit's.
        public var significant: Bool
    }

    /// A value of the line, and whether its size lies outside the sizes measured.
    public struct Prediction: Sendable, Equatable {
        public var size: Double
        public var value: Double
        public var extrapolated: Bool
    }

    public struct Fit: Sendable, Equatable {
        /// The metric at size 1 (the intercept).
        public var a: Double
        /// The gain per tenfold data (the slope).
        public var b: Double
        /// Standard error of `b`: σ̂/√Sxx with σ̂² = SSres/(n − 2); nil with two points (df 0).
        public var bSE: Double?
        /// The 95 % interval of `b`, b ± t(0.975, n − 2)·bSE; nil with `bSE`.
        public var bInterval: Interval?
        /// Residual degrees of freedom, n − 2.
        public var df: Int
        /// √(SSres/(n − 2)); nil with df 0.
        public var residualSD: Double?
        /// Coefficient of determination; 1 when the points lie on the line.
        public var r2: Double
        /// Number of points fitted (replicates count one each).
        public var n: Int
        public var minSize: Double
        /// The largest size fitted.
        public var maxSize: Double
        /// The points per size, in increasing size.
        public var sizes: [SizeSummary]
        /// Every point against the line, in input order.
        public var residuals: [Residual]
        /// Needs three distinct sizes; nil otherwise.
        public var lastSegment: LastSegment?
        /// Set only when `lastSegment` is significant.
        public var verdict: Verdict?
        /// With a replicate axis and two replicates or more: each replicate's own slope, by
        /// replicate label. `b` is then their mean, `bSE` their standard error and `df` R − 1.
        /// Empty when the points were pooled into one least-squares fit.
        public var replicateSlopes: [String: Double] = [:]

        /// Whether `b ± bSE` is across replicates (true) or from pooled points.
        public var acrossReplicates: Bool { !replicateSlopes.isEmpty }

        /// The two-sided p-value of b = 0 (t = b/SE on `df`); nil without an SE. An SE of 0
        /// (points exactly on lines) gives 0 for a non-zero slope; a slope below 1e-9 of the
        /// values' size is rounding noise of a flat line (whatever its t) and gives 1.
        public var p: Double? {
            let scale = sizes.map { abs($0.mean) }.max() ?? 0
            if abs(b) <= 1e-9 * scale { return bSE == nil ? nil : 1 }
            return bSE.flatMap { ScalingFit.pValue(b, se: $0, df: Double(df)) }
        }

        /// The line at `size`; `extrapolated` outside [minSize, maxSize].
        public func predict(size: Double) -> Prediction {
            Prediction(size: size, value: a + b * log10(size), extrapolated: size < minSize || size > maxSize)
        }

        /// The line's value at ten times the largest size: always an extrapolation.
        public var predictedNextDecade: Double { predict(size: maxSize * 10).value }
        public var lastSlope: Double? { lastSegment?.slope }
        public var plateau: Bool { verdict == .plateau }
    }

    /// Fits the points, or nil when that is impossible: fewer than two distinct sizes, or a size
    /// that is not positive (log10 is undefined there) or a value that is not finite.
    /// `replicates`: several points at one size are replicate runs, so their spread measures
    /// the noise (the last-segment test uses it); otherwise the residual variance does.
    /// With `replicates` and two replicates or more (by `Point.replicate`), each replicate is
    /// fitted on its own and `b ± SE` is across replicates (ScalingFit+Replicates.swift).
    public static func fit(points: [Point], replicates: Bool = false) -> Fit? {
        guard points.allSatisfy({ $0.size > 0 && $0.size.isFinite && $0.value.isFinite }),
              let minSize = points.map(\.size).min(), let maxSize = points.map(\.size).max(),
              minSize < maxSize else { return nil }
        if replicates, let across = acrossReplicates(points) { return across }
        let xs = points.map { log10($0.size) }
        let ys = points.map(\.value)
        let line = LeastSquares(xs: xs, ys: ys)
        let df = points.count - 2
        let variance = df > 0 ? line.ssRes / Double(df) : nil
        let bSE = variance.map { ($0 / line.sxx).squareRoot() }
        let bInterval = bSE.map { se -> Interval in
            let t = StudentT.quantile(0.5 + confidence / 2, df: Double(df))
            return Interval(lower: line.b - t * se, upper: line.b + t * se)
        }
        let sizes = summaries(points)
        let residuals = points.indices.map { i in
            Residual(size: points[i].size, value: ys[i], fitted: line.a + line.b * xs[i],
                     residual: ys[i] - (line.a + line.b * xs[i]), replicate: points[i].replicate)
        }
        let segment = lastSegment(xs: xs, sizes: sizes, line: line, residualVariance: variance,
                                  pureError: replicates ? pureError(points) : nil)
        var verdict: Verdict?
        if let segment, segment.significant {
            let sign: Double = line.b < 0 ? -1 : 1
            verdict = segment.slope * sign < abs(line.b) ? .plateau : .steepens
        }
        return Fit(a: line.a, b: line.b, bSE: bSE, bInterval: bInterval, df: df, residualSD: variance.map { $0.squareRoot() },
                   r2: line.r2, n: points.count, minSize: minSize, maxSize: maxSize, sizes: sizes,
                   residuals: residuals, lastSegment: segment, verdict: verdict)
    }

    /// The tuple form of `fit(points:)`, without replicates.
    public static func fit(points: [(size: Double, value: Double)]) -> Fit? {
        fit(points: points.map { Point(size: $0.size, value: $0.value) })
    }

    /// Two-sided p of a t test of estimate = 0; nil for df ≤ 0.
    public static func pValue(_ estimate: Double, se: Double, df: Double) -> Double? {
        guard df > 0 else { return nil }
        guard se > 0 else { return estimate == 0 ? 1 : 0 }
        return StudentT.twoSidedP(estimate / se, df: df)
    }

    static func summaries(_ points: [Point]) -> [SizeSummary] {
        Dictionary(grouping: points, by: \.size).map { size, group in
            let values = group.map(\.value)
            // A group is never empty; SampleSpread keeps identical replicates' SD at exactly 0.
            let spread = SampleSpread.meanAndSD(values) ?? (mean: .nan, sd: nil)
            return SizeSummary(size: size, n: values.count, mean: spread.mean, sd: spread.sd)
        }.sorted { $0.size < $1.size }
    }

    /// Pooled within-size variance and its degrees of freedom, Σ(n_i − 1); nil when no size
    /// has two points.
    static func pureError(_ points: [Point]) -> (variance: Double, df: Int)? {
        var ss = 0.0, df = 0
        for group in Dictionary(grouping: points, by: \.size).values where group.count > 1 {
            let mean = group.map(\.value).reduce(0, +) / Double(group.count)
            ss += group.reduce(0) { $0 + ($1.value - mean) * ($1.value - mean) }
            df += group.count - 1
        }
        return df > 0 ? (ss / Double(df), df) : nil
    }
}

/// Ordinary least squares of y on x.
struct LeastSquares {
    let a: Double, b: Double, mx: Double, sxx: Double, ssRes: Double, r2: Double

    init(xs: [Double], ys: [Double]) {
        let n = Double(xs.count)
        mx = xs.reduce(0, +) / n
        let my = ys.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for (x, y) in zip(xs, ys) {
            sxx += (x - mx) * (x - mx); sxy += (x - mx) * (y - my); syy += (y - my) * (y - my)
        }
        b = sxy / sxx
        a = my - b * mx
        self.sxx = sxx
        var ssRes = 0.0
        for (x, y) in zip(xs, ys) { ssRes += (y - (a + b * x)) * (y - (a + b * x)) }
        self.ssRes = ssRes
        // All values equal: the flat line explains them completely.
        r2 = syy == 0 ? 1 : 1 - ssRes / syy
    }
}
