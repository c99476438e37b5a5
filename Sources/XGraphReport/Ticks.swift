import Foundation
import XGraphCore

/// Where the plots put their axis ticks.
public enum Ticks {
    /// The decades that span `lo...hi` (both positive): from 10^floor(log10 lo) to
    /// 10^ceil(log10 hi), so every data size lies between two labelled decades. A single size
    /// gets the decade below and above it.
    public static func decades(_ lo: Double, _ hi: Double) -> [Double] {
        guard lo > 0, hi >= lo, lo.isFinite, hi.isFinite else { return [1, 10] }
        var first = Int(floor(log10(lo)))
        var last = Int(ceil(log10(hi)))
        if first == last { first -= 1; last += 1 }
        // Far more decades than a plot can label would be a data error; keep the plot bounded.
        if last - first > 30 { first = last - 30 }
        return (first...last).map { pow(10, Double($0)) }
    }

    /// A decade as a size label: 1k, 10k, 1M; below 1, in exponent form.
    public static func decadeLabel(_ d: Double) -> String {
        if d >= 1 && d < 1e18 { return SizeLabel.format(Int(d.rounded())) }
        return String(format: "%g", d)
    }

    /// About `count` round ticks (steps of 1, 2 or 5 times a power of ten) covering lo...hi,
    /// and the range they span.
    public static func linear(_ lo: Double, _ hi: Double, count: Int = 5) -> (ticks: [Double], lo: Double, hi: Double) {
        var lo = lo, hi = hi
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        // Values equal up to rounding (1.1 written by two computations) are one value: a step
        // of 1e-17 would have no printable label.
        if hi <= lo || hi - lo <= max(abs(lo), abs(hi)) * 1e-9 {
            // One value: a band around it.
            let pad = lo == 0 ? 1 : abs(lo) * 0.05
            lo -= pad; hi += pad
        }
        let raw = (hi - lo) / Double(max(count, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(lo / step) * step
        let last = ceil(hi / step) * step
        var ticks: [Double] = []
        var t = first
        while t <= last + step / 2 && ticks.count < 50 {
            // Snap to the grid so that 0.30000000000000004 prints as 0.3.
            ticks.append((t / step).rounded() * step)
            t += step
        }
        return (ticks, first, last)
    }

    /// A linear tick's label: as few decimals as its step needs.
    public static func label(_ v: Double, step: Double) -> String {
        guard step > 0, step.isFinite, v.isFinite else { return String(format: "%g", v) }
        let decimals = max(0, min(8, -Int(floor(log10(step)))))
        return String(format: "%.\(decimals)f", v)
    }
}
