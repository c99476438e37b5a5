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
