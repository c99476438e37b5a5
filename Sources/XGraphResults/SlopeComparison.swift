import Foundation

/// Whether two fits' slopes differ by more than their uncertainty (`xgraph fit --compare`).
public struct SlopeComparison: Sendable, Equatable {
    /// b₁ − b₂.
    public var difference: Double
    /// Paired: sd of the per-replicate differences / √R. Unpaired: √(SE₁² + SE₂²), the fits
    /// taken as independent.
    public var se: Double
    /// Paired: R − 1. Unpaired: Welch–Satterthwaite, se⁴ / (SE₁⁴/df₁ + SE₂⁴/df₂) (not an
    /// integer in general).
    public var df: Double
    /// difference ± t(0.975, df)·se.
    public var interval: ScalingFit.Interval
    /// Before any multiplicity correction: the interval excludes 0. `xgraph fit` replaces it
    /// with the Holm-corrected decision of the command's family (`ScalingFitReport`).
    public var resolved: Bool
    /// The number of replicates paired (their slopes differenced within each replicate), or
    /// nil for the unpaired (Welch) comparison.
    public var pairs: Int?
    /// Two-sided p of difference = 0.
    public var p: Double

    /// Compares `first.b` with `second.b`; nil when either fit has no standard error (two
    /// points), since nothing can then be said about the difference. When both fits are across
    /// replicates and share two replicates or more, the comparison is paired within replicates:
    /// series of one replicate share its subsets, so their slopes' errors are correlated and
    /// the difference of each replicate's two slopes is the independent observation.
    public init?(_ first: ScalingFit.Fit, _ second: ScalingFit.Fit) {
        let shared = first.replicateSlopes.keys.filter { second.replicateSlopes[$0] != nil }.sorted()
        if shared.count >= 2, let d = ScalingFit.meanAndSE(shared.compactMap { r in
            first.replicateSlopes[r].flatMap { a in second.replicateSlopes[r].map { a - $0 } } }) {
            self.init(difference: d.mean, se: d.se, df: Double(d.df), pairs: shared.count,
                      scale: max(abs(first.b), abs(second.b)))
            return
        }
        guard let se1 = first.bSE, let se2 = second.bSE else { return nil }
        let se = (se1 * se1 + se2 * se2).squareRoot()
        let denominator = pow(se1, 4) / Double(first.df) + pow(se2, 4) / Double(second.df)
        // Both fits exact (SE 0): any df gives the same zero-width interval.
        let df = denominator > 0 ? pow(se, 4) / denominator : Double(first.df + second.df)
        self.init(difference: first.b - second.b, se: se, df: df, pairs: nil, scale: max(abs(first.b), abs(second.b)))
    }

    private init(difference: Double, se: Double, df: Double, pairs: Int?, scale: Double) {
        self.difference = difference
        self.se = se
        self.df = df
        self.pairs = pairs
        let t = StudentT.quantile(0.5 + ScalingFit.confidence / 2, df: df)
        interval = ScalingFit.Interval(lower: difference - t * se, upper: difference + t * se)
        // Equal slopes leave rounding noise in the difference: no difference, whatever its t.
        let negligible = abs(difference) <= 1e-9 * scale
        resolved = !negligible && !interval.contains(0)
        p = negligible ? 1 : (ScalingFit.pValue(difference, se: se, df: df) ?? 1)
    }
}
