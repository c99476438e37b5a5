import Foundation
import XCTest
import XGraphCore
@testable import XGraphResults

/// The power and joint laws recover the parameters that generated noisy synthetic data, the
/// bootstrap is deterministic and covers the truth, and series no law can fit say why.
final class LawFitTests: XCTestCase {
    let sizes: [Double] = [1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8]

    func testPowerLawRecoversKnownParametersFromNoisyRuns() throws {
        var gen = LawSynthetic(seed: 1)
        let points = gen.power(E: 0.2, A: 40, alpha: 0.3, sizes: sizes, seeds: 5, sigma: 0.01)
        let fit = try LawFitter.fit(points, LawSettings(law: .power, bootstrap: 200, seed: 7),
                                    at: [ForecastPoint(data: 1e9, label: "data=1B")])
        let e = fit.estimate
        XCTAssertEqual(try XCTUnwrap(e.value("alpha")), 0.3, accuracy: 0.03)
        XCTAssertEqual(try XCTUnwrap(e.value("E")), 0.2, accuracy: 0.02)
        XCTAssertEqual(log(try XCTUnwrap(e.value("A"))), log(40), accuracy: 0.3)
        XCTAssertNil(e.warning, "one optimum: \(e.warning ?? "")")
        XCTAssertEqual(fit.scheme, .blocks, "five seeds are resampled as blocks")
        let alpha = try XCTUnwrap(fit.intervals[2])
        XCTAssertTrue(alpha.contains(0.3), "the 95 % interval of α \(alpha) holds the truth")
        let forecast = try XCTUnwrap(fit.forecasts.first)
        let truth = 0.2 + 40 * pow(1e9, -0.3)
        XCTAssertTrue(try XCTUnwrap(forecast.interval).contains(truth), "\(forecast) holds \(truth)")
        XCTAssertEqual(forecast.dataDecades, 1, accuracy: 1e-12, "1B is one decade past 100M")
    }

    /// Runs with no irreducible term leave E at the fit's floor in every resample: its interval
    /// is a point, and the fit says it is a bound, not a measurement, while the
    /// forecast's interval keeps its width and gets no such warning.
    func testAParameterWhoseIntervalIsAPointIsCalledABound() throws {
        var gen = LawSynthetic(seed: 3)
        let points = gen.power(E: 0, A: 2, alpha: 0.3, sizes: sizes, sigma: 0.005)
        let fit = try LawFitter.fit(points, LawSettings(law: .power, bootstrap: 200, seed: 1),
                                    at: [ForecastPoint(data: 1e9, label: "data=1B")])
        let e = try XCTUnwrap(fit.intervals[0])
        XCTAssertEqual(e.upper - e.lower, 0, accuracy: 1e-12, "E sits at its floor in every resample")
        let warning = try XCTUnwrap(fit.bootstrapWarning)
        XCTAssertTrue(warning.hasPrefix("the bootstrap interval of E = "), warning)
        XCTAssertTrue(warning.contains("a bound of the fit"), warning)
        let band = try XCTUnwrap(fit.forecasts.first?.interval)
        XCTAssertGreaterThan(band.upper - band.lower, 1e-4, "the forecast still has an interval")
    }

    func testPowerLawOnAScoreFitsItsError() throws {
        var gen = LawSynthetic(seed: 2)
        // top1 = 1 − (0.1 + 3·D^−0.25): the error falls towards 10 %.
        let points = gen.power(E: 0.1, A: 3, alpha: 0.25, sizes: sizes, sigma: 0.005).map { p -> LawPoint in
            var q = p; q.value = 1 - p.value; return q
        }
        let fit = try LawFitter.fit(points, LawSettings(law: .power, direction: .higher(ceiling: 1), bootstrap: 100),
                                    at: [ForecastPoint(data: 1e9, label: "data=1B")])
        XCTAssertEqual(try XCTUnwrap(fit.estimate.value("alpha")), 0.25, accuracy: 0.04)
        XCTAssertEqual(try XCTUnwrap(fit.estimate.value("E")), 0.1, accuracy: 0.02)
        XCTAssertEqual(fit.forecasts[0].value, 1 - (0.1 + 3 * pow(1e9, -0.25)), accuracy: 0.01, "the forecast is of top1, not its error")
        XCTAssertEqual(fit.scheme, .residuals, "one run per size: residuals are resampled")
        XCTAssertTrue(MetricDirection.guess(metric: "val_top1"))
        XCTAssertTrue(MetricDirection.guess(metric: "coco.mAP"))
        XCTAssertFalse(MetricDirection.guess(metric: "val_loss"))
    }

    func testJointLawRecoversKnownParametersOverCapacityAndData() throws {
        var gen = LawSynthetic(seed: 3)
        let models: [Double] = [1e6, 3e6, 1e7, 3e7, 1e8]
        let points = gen.joint(E: 1.7, A: 400, alpha: 0.34, B: 410, beta: 0.28, models: models, sizes: sizes, sigma: 0.005)
        let fit = try LawFitter.fit(points, LawSettings(law: .joint, bootstrap: 50),
                                    at: [ForecastPoint(data: 1e9, model: 3e8, label: "data=1B,model=300M")])
        let e = fit.estimate
        XCTAssertEqual(try XCTUnwrap(e.value("alpha")), 0.34, accuracy: 0.05)
        XCTAssertEqual(try XCTUnwrap(e.value("beta")), 0.28, accuracy: 0.05)
        XCTAssertEqual(try XCTUnwrap(e.value("E")), 1.7, accuracy: 0.3)
        let truth = 1.7 + 400 * pow(3e8, -0.34) + 410 * pow(1e9, -0.28)
        XCTAssertEqual(fit.forecasts[0].value, truth, accuracy: 0.03 * truth)
        XCTAssertEqual(try XCTUnwrap(fit.forecasts[0].modelDecades), log10(3), accuracy: 1e-12)
    }

    func testFewerThanFiveSeedsAreResampledAsResiduals() throws {
        var gen = LawSynthetic(seed: 6)
        let points = gen.power(E: 0.2, A: 40, alpha: 0.3, sizes: sizes, seeds: 3, sigma: 0.01)
        let fit = try LawFitter.fit(points, LawSettings(law: .power, bootstrap: 50))
        XCTAssertEqual(fit.scheme, .residuals, "three seeds give too few distinct block resamples")
        XCTAssertGreaterThan(fit.percentileLevel, 0.95, "few degrees of freedom widen the percentiles")
        XCTAssertLessThan(fit.percentileLevel, 1)
    }

    func testBootstrapIsDeterministicForItsSeed() throws {
        var gen = LawSynthetic(seed: 4)
        let points = gen.power(E: 0.2, A: 40, alpha: 0.3, sizes: sizes, sigma: 0.02)
        let target = [ForecastPoint(data: 1e9, label: "data=1B")]
        let a = try LawFitter.fit(points, LawSettings(law: .power, bootstrap: 100, seed: 11), at: target)
        let b = try LawFitter.fit(points, LawSettings(law: .power, bootstrap: 100, seed: 11), at: target)
        let c = try LawFitter.fit(points, LawSettings(law: .power, bootstrap: 100, seed: 12), at: target)
        XCTAssertEqual(a.forecasts, b.forecasts)
        XCTAssertEqual(a.intervals, b.intervals)
        XCTAssertNotEqual(a.forecasts[0].interval, c.forecasts[0].interval, "another seed draws other resamples")
        XCTAssertEqual(a.draws + a.failedDraws, 100)
    }

    func testLeaveOneSizeOutPrefersThePowerLawOnARealPlateau() {
        var gen = LawSynthetic(seed: 5)
        // A loss that flattens onto E = 1: the log-linear line overshoots the largest size.
        let points = gen.power(E: 1, A: 30, alpha: 0.4, sizes: sizes, sigma: 0.002)
        let c = LeaveOneSizeOut.compare(points, laws: [.loglinear, .power], direction: .lower)
        XCTAssertEqual(c.map(\.law), [.loglinear, .power])
        let line = c[0].largestSizeError ?? 0, power = c[1].largestSizeError ?? .infinity
        XCTAssertLessThan(power * 3, line, "power \(power) vs loglinear \(line)")
    }

    func testAMetricThatDoesNotImproveIsSaidToBeFlat() throws {
        // Noise around a constant error of 12 %: no decline with data.
        let points = sizes.enumerated().map { i, d in LawPoint(data: d, value: 0.12 * (i % 2 == 0 ? 0.99 : 1.01)) }
        let fit = try LawFitter.fit(points, LawSettings(law: .power, bootstrap: 0))
        XCTAssertTrue(fit.estimate.warning?.contains("does not improve the metric over this range") == true, fit.estimate.warning ?? "no warning")
        XCTAssertEqual(fit.metric(data: 1e9), 0.12, accuracy: 0.003, "the forecast is the flat level")
    }

    func testTwoSizesSayWhatWouldWork() {
        let points = [LawPoint(data: 1e6, value: 0.5), LawPoint(data: 1e7, value: 0.4)]
        XCTAssertThrowsError(try LawFitter.fit(points, LawSettings(law: .power))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("needs 3 distinct data sizes") && text.contains("has 2 (1M, 10M)")
                          && text.contains("--law loglinear"), text)
        }
    }

    func testConstantMetricIsRefused() {
        let points = sizes.map { LawPoint(data: $0, value: 0.5) }
        XCTAssertThrowsError(try LawFitter.fit(points, LawSettings(law: .power))) { error in
            XCTAssertTrue("\(error)".contains("constant (0.5 at every size)"), "\(error)")
        }
    }

    func testNaNIsRefusedNamingTheRun() {
        var points = sizes.map { LawPoint(data: $0, value: 1 + 10 / $0) }
        points[2] = LawPoint(data: 1e6, value: .nan, node: "train/data=1M")
        XCTAssertThrowsError(try LawFitter.fit(points, LawSettings(law: .power))) { error in
            XCTAssertTrue("\(error)".contains("nan at data=1M (train/data=1M)"), "\(error)")
        }
    }

    func testAPerfectScoreHasNoLogError() {
        let points = sizes.map { LawPoint(data: $0, value: $0 >= 1e8 ? 1 : 0.9) }
        XCTAssertThrowsError(try LawFitter.fit(points, LawSettings(law: .power, direction: .higher(ceiling: 1)))) { error in
            XCTAssertTrue("\(error)".contains("a loss must be positive"), "\(error)")
        }
    }

    func testJointLawNeedsTwoModelSizes() {
        let points = sizes.map { LawPoint(data: $0, model: 1e6, value: 1 + 10 / $0) }
        XCTAssertThrowsError(try LawFitter.fit(points, LawSettings(law: .joint))) { error in
            XCTAssertTrue("\(error)".contains("1 model size(s)") && "\(error)".contains("--law power"), "\(error)")
        }
    }

    func testThreeRunsForThreeParametersHaveNoInterval() throws {
        let points = [1e6, 1e7, 1e8].map { LawPoint(data: $0, value: 0.1 + 5 * pow($0, -0.3)) }
        let fit = try LawFitter.fit(points, LawSettings(law: .power))
        XCTAssertEqual(fit.draws, 0)
        XCTAssertTrue(fit.intervals.allSatisfy { $0 == nil })
        XCTAssertTrue(fit.noIntervalReason?.contains("nothing to resample") == true, fit.noIntervalReason ?? "")
    }
}
