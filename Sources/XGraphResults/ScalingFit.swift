import Foundation

/// The scaling law of docs/design.md §6 and Sun et al. 2017: a metric grows linearly in log data size,
/// `metric = a + b·log10(size)`, fitted by ordinary least squares.
public enum ScalingFit {
    public struct Fit: Sendable, Equatable {
        /// The metric at size 1 (the intercept).
        public var a: Double
        /// The gain per tenfold data (the slope).
        public var b: Double
        /// Coefficient of determination; 1 when the points lie on the line.
        public var r2: Double
        /// Number of points fitted.
        public var n: Int
        /// The largest size fitted.
        public var maxSize: Double
        /// The line's value at ten times the largest size.
        public var predictedNextDecade: Double
        /// Slope per decade between the two largest sizes (values at one size averaged); nil
        /// with fewer than three distinct sizes, where it would only repeat `b`.
        public var lastSlope: Double?
        /// The curve is flattening: `lastSlope` is under a third of `b`, in `b`'s direction
        /// (so a drop at the end of a rising curve counts too). Needs three distinct sizes and
        /// a nonzero `b`; otherwise false.
        public var plateau: Bool
    }

    /// Fits the points, or nil when that is impossible: fewer than two distinct sizes, or a size
    /// that is not positive (log10 is undefined there).
    public static func fit(points: [(size: Double, value: Double)]) -> Fit? {
        guard points.allSatisfy({ $0.size > 0 && $0.size.isFinite && $0.value.isFinite }),
              Set(points.map(\.size)).count >= 2 else { return nil }
        let xs = points.map { log10($0.size) }
        let ys = points.map(\.value)
        let n = Double(points.count)
        let mx = xs.reduce(0, +) / n
        let my = ys.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for (x, y) in zip(xs, ys) {
            sxx += (x - mx) * (x - mx); sxy += (x - mx) * (y - my); syy += (y - my) * (y - my)
        }
        let b = sxy / sxx
        let a = my - b * mx
        var ssRes = 0.0
        for (x, y) in zip(xs, ys) { ssRes += (y - (a + b * x)) * (y - (a + b * x)) }
        // All values equal: the flat line explains them completely.
        let r2 = syy == 0 ? 1 : 1 - ssRes / syy
        let maxSize = points.map(\.size).max()!

        let bySize = Dictionary(grouping: points, by: \.size)
            .map { (size: $0.key, value: $0.value.map(\.value).reduce(0, +) / Double($0.value.count)) }
            .sorted { $0.size < $1.size }
        var lastSlope: Double?
        if bySize.count >= 3 {
            let p = bySize[bySize.count - 2], q = bySize[bySize.count - 1]
            lastSlope = (q.value - p.value) / (log10(q.size) - log10(p.size))
        }
        let plateau = lastSlope.map { b != 0 && $0 / b < 1.0 / 3.0 } ?? false
        return Fit(a: a, b: b, r2: r2, n: points.count, maxSize: maxSize,
                   predictedNextDecade: a + b * log10(maxSize * 10), lastSlope: lastSlope, plateau: plateau)
    }
}
