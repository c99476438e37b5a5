import Foundation
import XCTest
import XGraphCore
import XGraphResults

/// The replicate is the unit: with a replicate axis, each replicate gets its own line, b ± SE is
/// across replicates on R − 1 degrees of freedom, comparisons pair within replicates, and the
/// tests one command prints are Holm-corrected together (docs/results.md, "Replicates").
final class ReplicateStatisticsTests: XCTestCase {
    static let sizes: [Double] = [300, 1e3, 3e3, 1e4, 3e4]

    /// Seeds whose slopes are 0.01, 0.02, 0.03, 0.04 (mean 0.025, sd √(0.0005/3)), five sizes each.
    static func fourSeeds(slopes: [Double] = [0.01, 0.02, 0.03, 0.04]) -> [ScalingFit.Point] {
        slopes.enumerated().flatMap { seed, b in
            sizes.map { ScalingFit.Point(size: $0, value: 0.5 + 0.01 * Double(seed) + b * log10($0), replicate: "\(seed)") }
        }
    }

    func testAFitWithAReplicateAxisHasReplicatesMinusOneDegreesOfFreedom() throws {
        let fit = try XCTUnwrap(ScalingFit.fit(points: Self.fourSeeds(), replicates: true))
        XCTAssertEqual(fit.n, 20, "every run is still shown")
        XCTAssertEqual(fit.df, 3, "4 replicates: 3 df, not the 18 of 20 pooled points")
        XCTAssertTrue(fit.acrossReplicates)
        XCTAssertEqual(fit.replicateSlopes.count, 4)
        XCTAssertEqual(fit.b, 0.025, accuracy: 1e-12)
        // sd of 0.01…0.04 = 0.0129099…; SE = sd/2.
        let se = (0.0005 / 3).squareRoot() / 2
        XCTAssertEqual(try XCTUnwrap(fit.bSE), se, accuracy: 1e-12)
        let t3 = 3.182446305284263
        XCTAssertEqual(try XCTUnwrap(fit.bInterval?.lower), 0.025 - t3 * se, accuracy: 1e-9)
        // The last segment is tested the same way: one difference per replicate, 3 df.
        XCTAssertEqual(fit.lastSegment?.variance, .acrossReplicates)
        XCTAssertEqual(fit.lastSegment?.df, 3)
        XCTAssertNil(fit.verdict, "straight lines do not bend")

        // The pooled fit of the same points counts them as 20 independent ones (18 df).
        let pooled = try XCTUnwrap(ScalingFit.fit(points: Self.fourSeeds(), replicates: false))
        XCTAssertEqual(pooled.df, 18)
        XCTAssertEqual(pooled.b, fit.b, accuracy: 1e-12, "balanced replicates: the same slope")
        XCTAssertFalse(pooled.acrossReplicates)

        // One replicate: nothing to average, its points are all there is.
        let one = try XCTUnwrap(ScalingFit.fit(points: Self.fourSeeds().filter { $0.replicate == "0" }, replicates: true))
        XCTAssertEqual(one.df, 3)
        XCTAssertFalse(one.acrossReplicates)
    }

    func testComparisonsArePairedWithinReplicates() throws {
        // Both capacities share each seed's offset in slope (the seed's subsets); the larger
        // gains 0.005 more per decade in every seed. Unpaired, the shared spread (0.01 … 0.04)
        // hides it; paired, the per-seed differences are all 0.005 plus tiny noise.
        let small = try XCTUnwrap(ScalingFit.fit(points: Self.fourSeeds(), replicates: true))
        let big = try XCTUnwrap(ScalingFit.fit(points: Self.fourSeeds(slopes: [0.0151, 0.0249, 0.0352, 0.0448]), replicates: true))
        let c = try XCTUnwrap(SlopeComparison(big, small))
        XCTAssertEqual(c.pairs, 4)
        XCTAssertEqual(c.df, 3)
        XCTAssertEqual(c.difference, 0.005, accuracy: 1e-12)
        XCTAssertTrue(c.resolved)
        XCTAssertLessThan(c.p, 0.001)
    }

    func testAFlatLineIsNoSlopeWhateverTheRoundingNoise() throws {
        // Four seeds at constant, different levels: every slope is 0 up to rounding.
        let flat = (0..<4).flatMap { seed in Self.sizes.map { ScalingFit.Point(size: $0, value: 0.7 + 0.01 * Double(seed), replicate: "\(seed)") } }
        let fit = try XCTUnwrap(ScalingFit.fit(points: flat, replicates: true))
        XCTAssertEqual(fit.b, 0, accuracy: 1e-12)
        XCTAssertEqual(fit.p, 1)
    }

    func testHolmAdjustsThePValuesOfTheFamily() {
        // Sorted 0.01, 0.02, 0.03, 0.5 → ×4, ×3, ×2, ×1 = 0.04, 0.06, 0.06, 0.5 (monotone).
        let adjusted = MultipleTests.holm([0.03, 0.5, 0.01, 0.02])
        for (a, e) in zip(adjusted, [0.06, 0.5, 0.04, 0.06]) { XCTAssertEqual(a, e, accuracy: 1e-12) }
        XCTAssertEqual(MultipleTests.holm([0.4, 0.3]), [0.6, 0.6])
        XCTAssertEqual(MultipleTests.holm([]), [])
    }

    func testTheMinimumDetectableSlopeIsTheShiftedTQuantilesTimesTheSE() throws {
        // df 3, level 5 %: t(0.975) = 3.1824, t(0.8) = 0.9785.
        let mde = try XCTUnwrap(MultipleTests.minimumDetectable(se: 0.01, df: 3, level: 0.05))
        XCTAssertEqual(mde, (3.182446305284263 + 0.978472312254562) * 0.01, accuracy: 1e-9)
        XCTAssertNil(MultipleTests.minimumDetectable(se: nil, df: 3, level: 0.05))
    }

    /// 500 simulated nested studies: 4 replicates × 5 sizes × 2 capacities. A replicate draws
    /// its own intercept and slope deviation (its subsets, labels and weights), its sizes share a
    /// random walk (nested subsets: the 30k set contains the 10k one), and both capacities of a
    /// replicate share all of that; each run adds its own small noise. The per-replicate 95 %
    /// intervals must cover the true slope (0.02) and the true capacity difference (0.005) in
    /// 90–99 % of studies; the pooled fit, which counts 20 points as independent, covers less.
    func testPerReplicateIntervalsAreCalibratedOnSimulatedNestedStudies() throws {
        var rng = SplitMix64(seed: 20_261_207)
        func normal(_ sd: Double) -> Double {
            // Box–Muller; 1 − u keeps the log finite.
            let u = 1 - rng.nextUnit(), v = rng.nextUnit()
            return sd * (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        let trueSlope = 0.02, trueDifference = 0.005
        var covered = 0, pooledCovered = 0, differenceCovered = 0
        let studies = 500
        for _ in 0..<studies {
            var small: [ScalingFit.Point] = [], big: [ScalingFit.Point] = []
            let xs = Self.sizes.map { log10($0) }
            let centre = xs.reduce(0, +) / Double(xs.count)
            for r in 0..<4 {
                // A replicate's curve sits a little higher or lower and tilts around the middle
                // of the sizes; its nested subsets add a random walk (centred: its mean level
                // is part of the intercept).
                let intercept = normal(0.002), slope = normal(0.006)
                var walk: [Double] = []
                for _ in xs { walk.append((walk.last ?? 0) + normal(0.004)) }
                let walkMean = walk.reduce(0, +) / Double(walk.count)
                for (k, size) in Self.sizes.enumerated() {
                    let shared = 0.6 + intercept + trueSlope * xs[k] + slope * (xs[k] - centre) + walk[k] - walkMean
                    small.append(.init(size: size, value: shared + normal(0.002), replicate: "\(r)"))
                    big.append(.init(size: size, value: shared + 0.05 + trueDifference * log10(size) + normal(0.002),
                                     replicate: "\(r)"))
                }
            }
            let s = try XCTUnwrap(ScalingFit.fit(points: small, replicates: true))
            let b = try XCTUnwrap(ScalingFit.fit(points: big, replicates: true))
            XCTAssertEqual(s.df, 3)
            if try XCTUnwrap(s.bInterval).contains(trueSlope) { covered += 1 }
            if try XCTUnwrap(ScalingFit.fit(points: small, replicates: false)?.bInterval).contains(trueSlope) { pooledCovered += 1 }
            if try XCTUnwrap(SlopeComparison(b, s)).interval.contains(trueDifference) { differenceCovered += 1 }
        }
        let rate = Double(covered) / Double(studies)
        XCTAssertTrue((0.90...0.99).contains(rate), "per-replicate coverage \(rate)")
        let differenceRate = Double(differenceCovered) / Double(studies)
        XCTAssertTrue((0.90...0.99).contains(differenceRate), "paired-difference coverage \(differenceRate)")
        // (About two thirds, in a numpy run of the same model.)
        XCTAssertLessThan(Double(pooledCovered) / Double(studies), 0.85,
                          "pooling nested replicates as independent points understates the SE (\(pooledCovered) of \(studies))")
    }
}
