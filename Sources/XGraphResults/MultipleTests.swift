import Foundation

/// Multiplicity control and power for the tests one `xgraph fit` command prints.
///
/// One command prints many tests (a slope per series, a difference per pair of series); at 5 %
/// each, one of twenty null effects comes out "resolved" by chance. Holm's step-down procedure
/// keeps the chance of any false "resolved" in the whole family at 5 %, and is never less
/// powerful than Bonferroni (docs/results.md).
public enum MultipleTests {
    /// The family-wise error rate every adjusted p is compared with.
    public static let alpha = 1 - ScalingFit.confidence
    /// The power at which a null result states the effect it could have seen.
    public static let power = 0.8

    /// Holm-adjusted p-values, in the order given: sorted ascending, the i-th smallest (from 0)
    /// becomes max over j ≤ i of min(1, (m − j)·p₍ⱼ₎), so adjusted values keep the order of the
    /// raw ones. Compare each with `alpha`.
    public static func holm(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = p.indices.sorted { p[$0] < p[$1] }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * p[i]))
            adjusted[i] = running
        }
        return adjusted
    }

    /// The smallest true effect that a two-sided t test at level `level` with this SE and df
    /// detects with probability `power`: (t(1 − level/2) + t(power))·SE, the usual shifted-t
    /// approximation to the noncentral t. nil without an SE or with df ≤ 0.
    public static func minimumDetectable(se: Double?, df: Double, level: Double, power: Double = power) -> Double? {
        guard let se, df > 0, level > 0, level < 1 else { return nil }
        return (StudentT.quantile(1 - level / 2, df: df) + StudentT.quantile(power, df: df)) * se
    }
}

/// One test of the family: its raw and Holm-adjusted p, whether it survives the correction,
/// and the effect it could have detected (at the family's first Holm level, alpha/m, with
/// 80 % power: what a lone true effect among nulls must clear).
public struct FamilyTest: Sendable, Equatable {
    public var p: Double
    public var adjustedP: Double
    public var resolved: Bool
    public var minimumDetectable: Double?
}

/// What a command's family of tests was.
public struct TestFamily: Sendable, Equatable {
    /// Slope tests (b = 0), one per fitted series with an SE.
    public var slopeTests: Int
    /// Slope differences, one per compared pair with an SE.
    public var comparisons: Int
    public var size: Int { slopeTests + comparisons }

    /// `family: 9 slope tests (b = 0) and 6 comparisons, Holm-corrected to 5 % family-wise`.
    public var description: String {
        var parts: [String] = []
        if slopeTests > 0 { parts.append("\(slopeTests) slope test\(slopeTests == 1 ? "" : "s") (b = 0)") }
        if comparisons > 0 { parts.append("\(comparisons) comparison\(comparisons == 1 ? "" : "s")") }
        guard !parts.isEmpty else { return "family: no tests" }
        return "family: " + parts.joined(separator: " and ") + ", Holm-corrected to 5 % family-wise; "
            + "MDE = the slope (or difference) found with 80 % power at the first Holm level, 5 %/\(size)"
    }
}
