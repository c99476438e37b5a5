import Foundation

/// The mean and sample SD (n − 1) of replicate values, without the rounding noise of the naive
/// formulas. Three identical accuracies averaged as (x + x + x)/3 need not give x back, and
/// their deviations from that mean then square to an SD of about 1e-17, which a table printed as
/// `0.7300 ± 1.7e-17`: a spread that is not in the data.
///
/// So the values are shifted by the first one before summing (identical values become exact
/// zeros, and the mean is then exactly the value), and an SD below the values' resolution, the
/// rounding a sum of n of them can make (n units in the last place of the largest), is reported
/// as exactly 0: values that agree to the last few bits are equal as far as anything printed or
/// fitted can tell.
public enum SampleSpread {
    /// Mean and SD of `values`; the SD is nil for fewer than two values. nil without values.
    public static func meanAndSD(_ values: [Double]) -> (mean: Double, sd: Double?)? {
        guard let first = values.first else { return nil }
        let n = Double(values.count)
        let shifted = values.map { $0 - first }
        let meanShift = shifted.reduce(0, +) / n
        let mean = first + meanShift
        guard values.count > 1 else { return (mean, nil) }
        let ss = shifted.reduce(0) { $0 + ($1 - meanShift) * ($1 - meanShift) }
        let sd = (ss / (n - 1)).squareRoot()
        return (mean, sd <= resolution(values) ? 0 : sd)
    }

    /// The spread below which values are indistinguishable from equal: n ulps of the largest
    /// magnitude (the error bound of summing n of them).
    public static func resolution(_ values: [Double]) -> Double {
        let largest = values.reduce(0) { max($0, abs($1)) }
        return Double(values.count) * largest.ulp
    }
}
