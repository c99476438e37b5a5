import Foundation
import XCTest
import XGraphCore
import XGraphResults

/// The statistics of docs/results.md on examples small enough to work out by hand.
final class ScalingUncertaintyTests: XCTestCase {
    /// x = log10(size) = 1, 2, 3, 4 and y = 1, 3, 2, 5: x̄ = 2.5, Sxx = 5, Sxy = 5.5, so b = 1.1 and
    /// a = 0; residuals −0.1, 0.8, −1.3, 0.6, SSres = 2.7, σ̂² = 1.35, SE(b) = √(1.35/5) = √0.27;
    /// Syy = 8.75, R² = 1 − 2.7/8.75; t(0.975, 2) = 4.302652729749462.
    static let hand = [(10.0, 1.0), (100, 3), (1000, 2), (10000, 5)].map { ScalingFit.Point(size: $0.0, value: $0.1) }

    func testSlopeStandardErrorIntervalAndResidualsOfAHandComputedExample() throws {
        let fit = try XCTUnwrap(ScalingFit.fit(points: Self.hand))
        XCTAssertEqual(fit.a, 0, accuracy: 1e-12)
        XCTAssertEqual(fit.b, 1.1, accuracy: 1e-12)
        XCTAssertEqual(fit.df, 2)
        XCTAssertEqual(try XCTUnwrap(fit.bSE), 0.27.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(fit.residualSD), 1.35.squareRoot(), accuracy: 1e-12)
        let half = 4.302652729749462 * 0.27.squareRoot()    // 2.2357239405752973
        XCTAssertEqual(try XCTUnwrap(fit.bInterval?.lower), 1.1 - half, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(fit.bInterval?.upper), 1.1 + half, accuracy: 1e-9)
        XCTAssertEqual(fit.r2, 1 - 2.7 / 8.75, accuracy: 1e-12)
        XCTAssertEqual(fit.n, 4)
        for (r, expected) in zip(fit.residuals, [-0.1, 0.8, -1.3, 0.6]) { XCTAssertEqual(r.residual, expected, accuracy: 1e-12) }
        XCTAssertEqual(fit.residuals.map(\.fitted)[3], 4.4, accuracy: 1e-12)

        // Last segment: s = (5 − 2)/1 = 3, d = 1.9; the contrast c = u − w with
        // w = (x − x̄)/Sxx = (−0.3, −0.1, 0.1, 0.3), u = (0, 0, −1, 1) has Σc² = 1.8, so
        // SE(d) = √(1.35·1.8) = √2.43 and t = 1.22 < 4.30: no verdict.
        let seg = try XCTUnwrap(fit.lastSegment)
        XCTAssertEqual(seg.slope, 3, accuracy: 1e-12)
        XCTAssertEqual(seg.difference, 1.9, accuracy: 1e-12)
        XCTAssertEqual(seg.se, 2.43.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(seg.df, 2)
        XCTAssertEqual(seg.variance, .residuals)
        XCTAssertFalse(seg.significant)
        XCTAssertNil(fit.verdict)

        let inside = fit.predict(size: 500), beyond = fit.predict(size: 1e5)
        XCTAssertFalse(inside.extrapolated)
        XCTAssertTrue(beyond.extrapolated)
        XCTAssertEqual(beyond.value, 5.5, accuracy: 1e-12)
        XCTAssertEqual(fit.predictedNextDecade, 5.5, accuracy: 1e-12)
    }

    func testTwoPointsHaveALineButNoUncertainty() throws {
        let fit = try XCTUnwrap(ScalingFit.fit(points: Array(Self.hand.prefix(2))))
        XCTAssertEqual(fit.b, 2, accuracy: 1e-12)
        XCTAssertNil(fit.bSE)
        XCTAssertNil(fit.bInterval)
        XCTAssertNil(fit.lastSegment)
        XCTAssertNil(fit.verdict)
    }

    /// Means 0.40, 0.50, 0.60, 0.61 at 1k…1M: b = 0.073 and the last segment's slope is 0.01,
    /// under a third of b (the old rule called that a plateau). Three replicates per size at
    /// mean − δ, mean, mean + δ: pure error δ² on 8 df; Σc² = 1.8/3 = 0.6. The runs carry no
    /// replicate label (independent runs per size, such as non-nested draws), so the pooled fit
    /// and its pure-error test apply; labelled replicates are fitted one by one instead
    /// (ReplicateStatisticsTests).
    static func replicated(_ delta: Double, means: [Double] = [0.40, 0.50, 0.60, 0.61]) -> [ScalingFit.Point] {
        zip([1e3, 1e4, 1e5, 1e6], means).flatMap { size, mean in
            [-delta, 0, delta].map { ScalingFit.Point(size: size, value: mean + $0) }
        }
    }

    func testAFlatteningWithinTheReplicatesNoiseIsNoPlateau() throws {
        let fit = try XCTUnwrap(ScalingFit.fit(points: Self.replicated(0.1), replicates: true))
        XCTAssertEqual(fit.b, 0.073, accuracy: 1e-12)
        let seg = try XCTUnwrap(fit.lastSegment)
        XCTAssertLessThan(seg.slope / fit.b, 1.0 / 3, "the old rule would have flagged it")
        XCTAssertEqual(seg.variance, .replicates)
        XCTAssertEqual(seg.df, 8)
        XCTAssertEqual(seg.se, (0.01 * 0.6).squareRoot(), accuracy: 1e-12)
        XCTAssertFalse(seg.significant)
        XCTAssertNil(fit.verdict)
        XCTAssertFalse(fit.plateau)
        XCTAssertEqual(fit.sizes.map(\.n), [3, 3, 3, 3])
        XCTAssertEqual(try XCTUnwrap(fit.sizes[0].sd), 0.1, accuracy: 1e-12)
    }

    func testAFlatteningBeyondTheReplicatesNoiseIsAPlateau() throws {
        let fit = try XCTUnwrap(ScalingFit.fit(points: Self.replicated(0.005), replicates: true))
        let seg = try XCTUnwrap(fit.lastSegment)
        XCTAssertEqual(seg.difference, 0.01 - 0.073, accuracy: 1e-12)
        XCTAssertEqual(seg.se, (0.000025 * 0.6).squareRoot(), accuracy: 1e-12)
        let half = 2.306004135204166 * (0.000025 * 0.6).squareRoot()
        XCTAssertEqual(seg.interval.upper, -0.063 + half, accuracy: 1e-9)
        XCTAssertTrue(seg.significant)
        XCTAssertEqual(fit.verdict, .plateau)
        // A falling metric (a loss) flattens towards the other side.
        let loss = try XCTUnwrap(ScalingFit.fit(points: Self.replicated(0.005, means: [2.0, 1.5, 1.0, 0.98]), replicates: true))
        XCTAssertEqual(loss.verdict, .plateau)
        let steeper = try XCTUnwrap(ScalingFit.fit(points: Self.replicated(0.005, means: [0.40, 0.41, 0.42, 0.60]), replicates: true))
        XCTAssertEqual(steeper.verdict, .steepens)
    }

    func testWithoutReplicatesFourPointsCannotShowTheSamePlateau() throws {
        let fit = try XCTUnwrap(ScalingFit.fit(points: [(1e3, 0.40), (1e4, 0.50), (1e5, 0.60), (1e6, 0.61)]))
        XCTAssertEqual(fit.lastSegment?.variance, .residuals)
        XCTAssertNil(fit.verdict, "d = −0.063 ± 0.047 on 2 df: t = −1.35, far from 4.30")
        // The same replicated points without `replicates:` use the residual variance.
        XCTAssertEqual(ScalingFit.fit(points: Self.replicated(0.005))?.lastSegment?.variance, .residuals)
    }

    func testPointsOnALineGiveNoVerdictFromRoundingNoise() throws {
        let fit = try XCTUnwrap(ScalingFit.fit(points: [1e3, 1e4, 1e5, 1e6].map { (size: $0, value: 0.3 + 0.07 * log10($0)) }))
        XCTAssertEqual(fit.bSE ?? 1, 0, accuracy: 1e-12)
        XCTAssertNil(fit.verdict)
    }

    /// A: the hand example (b 1.1, SE² 0.27, df 2); B: half of it (b 0.55, SE² 0.0675, df 2).
    /// Δb = 0.55, SE = √0.3375, Welch df = 0.3375²/((0.27² + 0.0675²)/2) = 50/17.
    func testSlopeComparisonWithWelchDegreesOfFreedom() throws {
        let a = try XCTUnwrap(ScalingFit.fit(points: Self.hand))
        let b = try XCTUnwrap(ScalingFit.fit(points: Self.hand.map { ScalingFit.Point(size: $0.size, value: $0.value / 2) }))
        let c = try XCTUnwrap(SlopeComparison(a, b))
        XCTAssertEqual(c.difference, 0.55, accuracy: 1e-12)
        XCTAssertEqual(c.se, 0.3375.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(c.df, 50.0 / 17, accuracy: 1e-9)
        XCTAssertEqual(c.interval.lower, 0.55 - 1.8699297764321268, accuracy: 1e-8)
        XCTAssertFalse(c.resolved)

        let steep = try XCTUnwrap(ScalingFit.fit(points: [(10.0, 10.0), (100, 20.1), (1000, 29.9), (10000, 40)]))
        XCTAssertEqual(SlopeComparison(steep, a)?.resolved, true)
        let two = try XCTUnwrap(ScalingFit.fit(points: [(10.0, 1.0), (100, 2)]))
        XCTAssertNil(SlopeComparison(a, two), "two points: no SE, nothing to say")
    }
}
