import Foundation

extension ScalingFitReport {
    /// Holm-corrects every test the report prints as one family: each series' slope test
    /// (b = 0) and each comparison. A comparison's `resolved` becomes the corrected decision,
    /// so what the text calls "resolved" survives the correction.
    mutating func correctForMultipleTests() {
        var raw: [Double] = []
        var slopeOwners: [Int] = [], comparisonOwners: [Int] = []
        for (i, s) in series.enumerated() {
            if let p = s.fit?.p { raw.append(p); slopeOwners.append(i) }
        }
        for (i, c) in comparisons.enumerated() {
            if let p = c.comparison?.p { raw.append(p); comparisonOwners.append(i) }
        }
        family = TestFamily(slopeTests: slopeOwners.count, comparisons: comparisonOwners.count)
        guard !raw.isEmpty else { return }
        let adjusted = MultipleTests.holm(raw)
        // The first Holm step tests the smallest p at alpha/m: a lone true effect among nulls
        // must clear that level, so it is the level the detectable effect is stated at.
        let level = MultipleTests.alpha / Double(raw.count)
        func test(_ k: Int, se: Double?, df: Double) -> FamilyTest {
            FamilyTest(p: raw[k], adjustedP: adjusted[k], resolved: adjusted[k] < MultipleTests.alpha,
                       minimumDetectable: MultipleTests.minimumDetectable(se: se, df: df, level: level))
        }
        for (k, i) in slopeOwners.enumerated() {
            guard let f = series[i].fit else { continue }
            series[i].slopeTest = test(k, se: f.bSE, df: Double(f.df))
        }
        for (j, i) in comparisonOwners.enumerated() {
            let k = slopeOwners.count + j
            guard let c = comparisons[i].comparison else { continue }
            let t = test(k, se: c.se, df: c.df)
            comparisons[i].test = t
            comparisons[i].comparison?.resolved = t.resolved
        }
    }
}
