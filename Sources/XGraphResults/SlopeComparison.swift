import Foundation

/// Whether two fits' slopes differ by more than their uncertainty (`xgraph fit --compare`).
public struct SlopeComparison: Sendable, Equatable {
    /// b₁ − b₂.
    public var difference: Double
    /// √(SE₁² + SE₂²): the fits are taken as independent.
    public var se: Double
    /// Welch–Satterthwaite: se⁴ / (SE₁⁴/df₁ + SE₂⁴/df₂) (not an integer in general).
    public var df: Double
    /// difference ± t(0.975, df)·se.
    public var interval: ScalingFit.Interval
    /// The interval excludes 0: the data say which slope is larger.
    public var resolved: Bool

    /// Compares `first.b` with `second.b`; nil when either fit has no standard error (two
    /// points), since nothing can then be said about the difference.
    public init?(_ first: ScalingFit.Fit, _ second: ScalingFit.Fit) {
        guard let se1 = first.bSE, let se2 = second.bSE else { return nil }
        difference = first.b - second.b
        se = (se1 * se1 + se2 * se2).squareRoot()
        let denominator = pow(se1, 4) / Double(first.df) + pow(se2, 4) / Double(second.df)
        // Both fits exact (SE 0): any df gives the same zero-width interval.
        df = denominator > 0 ? pow(se, 4) / denominator : Double(first.df + second.df)
        let t = StudentT.quantile(0.5 + ScalingFit.confidence / 2, df: df)
        interval = ScalingFit.Interval(lower: difference - t * se, upper: difference + t * se)
        let negligible = abs(difference) <= 1e-9 * max(abs(first.b), abs(second.b))
        resolved = !negligible && !interval.contains(0)
    }
}
