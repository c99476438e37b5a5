import Foundation
import XCTest
import XGraphCore
import XGraphResults

/// `ForecastDesign.choose`: within the budget, the runs that shrink the interval at the target
/// the most per GPU-hour, each shared upstream run paid once.
final class ForecastDesignTests: XCTestCase {
    func fit() throws -> LawSeriesFit {
        var gen = LawSynthetic(seed: 31)
        let points = gen.power(E: 0.2, A: 40, alpha: 0.3, sizes: [1e5, 2e5, 4e5, 8e5, 1.6e6], sigma: 0.02)
        return try LawFitter.fit(points, LawSettings(law: .power, bootstrap: 200), at: [ForecastPoint(data: 1e8, label: "data=100M")])
    }

    func testAtEqualCostTheRunNearestTheTargetComesFirst() throws {
        let f = try fit()
        let candidates = [1e5, 1e6, 1e7].map { DesignCandidate(id: "d=\($0)", data: $0, cost: 1) }
        let choices = ForecastDesign.choose(f, target: f.forecasts[0].at, candidates: candidates, budget: 1)
        XCTAssertEqual(choices.map(\.candidate.id), ["d=10000000.0"], "one run affordable: the one closest to the forecast")
        let c = try XCTUnwrap(choices.first)
        XCTAssertLessThan(c.widthAfter, c.widthBefore)
        let band = try XCTUnwrap(f.forecasts[0].interval)
        XCTAssertEqual(c.widthBefore, band.upper - band.lower, accuracy: 1e-12, "the width now is the bootstrap's")
    }

    /// Four runs for three parameters leave one degree of freedom, where the expanded percentile
    /// asks for t = 12.7 standard deviations; 200 draws cannot reach past about 2.7, so the
    /// interval the fit prints is not that wide, and a second degree of freedom (t = 4.3) cannot
    /// narrow it threefold. A cheap run at a measured size buys little else, and the expected
    /// width must say so (taken at face value, t made such runs look worth 3× the width, and
    /// suggest filled plans with them).
    func testADegreeOfFreedomIsWorthOnlyWhatTheDrawsCanShow() throws {
        var gen = LawSynthetic(seed: 5)
        let points = gen.power(E: 0.2, A: 40, alpha: 0.3, sizes: [1e5, 2e5, 4e5, 8e5], sigma: 0.02)
        let target = ForecastPoint(data: 1e8, label: "data=100M")
        let f = try LawFitter.fit(points, LawSettings(law: .power, bootstrap: 200), at: [target])
        XCTAssertEqual(f.scheme, .residuals)
        let cheap = [DesignCandidate(id: "again", data: 1e5, cost: 0.01)]
        let c = try XCTUnwrap(ForecastDesign.choose(f, target: target, candidates: cheap, budget: 1).first)
        XCTAssertGreaterThan(c.widthAfter / c.widthBefore, 0.6, "one more run at the smallest size: \(c)")
        XCTAssertLessThan(c.widthAfter, c.widthBefore)
    }

    func testBudgetIsKeptAndSharedUpstreamIsPaidOnce() throws {
        let f = try fit()
        let candidates = (0..<3).map { DesignCandidate(id: "ft/\($0)", data: 1e7, cost: 1, upstream: ["pretrain": 5]) }
        let choices = ForecastDesign.choose(f, target: f.forecasts[0].at, candidates: candidates, budget: 7.5)
        XCTAssertEqual(choices.map(\.cost), [6, 1], "the first pays for the pretraining, the second only for itself")
        XCTAssertEqual(choices.first?.newUpstream, ["pretrain"])
        XCTAssertEqual(ForecastDesign.choose(f, target: f.forecasts[0].at, candidates: candidates, budget: 5.5), [],
                       "nothing affordable")
    }
}
