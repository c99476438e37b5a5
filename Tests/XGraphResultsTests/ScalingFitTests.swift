import Foundation
import XCTest
import XGraphCore
import XGraphResults
import XGraphStore

final class ScalingFitTests: XCTestCase {
    func testExactLogLinearDataIsRecoveredWithPerfectR2() throws {
        let points = [1e3, 1e4, 1e5, 1e6].map { (size: $0, value: 1 + 2 * log10($0)) }
        let fit = try XCTUnwrap(ScalingFit.fit(points: points))
        XCTAssertEqual(fit.a, 1, accuracy: 1e-9)
        XCTAssertEqual(fit.b, 2, accuracy: 1e-9)
        XCTAssertEqual(fit.r2, 1, accuracy: 1e-12)
        XCTAssertEqual(fit.n, 4)
        XCTAssertEqual(fit.predictedNextDecade, 1 + 2 * 7, accuracy: 1e-9)
        XCTAssertFalse(fit.plateau)
    }

    /// The old rule (last slope under a third of b) called these plateaus; four points without
    /// replicates cannot tell such a bend from noise (ScalingUncertaintyTests has the numbers).
    func testAFlatteningTailOfFourPointsIsReportedButNotCalledAPlateau() throws {
        let fit = try XCTUnwrap(ScalingFit.fit(points: [(1e3, 0.40), (1e4, 0.50), (1e5, 0.60), (1e6, 0.61)]))
        XCTAssertEqual(fit.lastSlope ?? 0, 0.01, accuracy: 1e-9)
        XCTAssertLessThan(fit.r2, 1)
        XCTAssertFalse(fit.plateau)
        let loss = try XCTUnwrap(ScalingFit.fit(points: [(1e3, 2.0), (1e4, 1.5), (1e5, 1.0), (1e6, 0.98)]))
        XCTAssertLessThan(loss.b, 0)
        XCTAssertNil(loss.verdict)
    }

    func testOneSizeOrANonPositiveSizeCannotBeFitted() {
        XCTAssertNil(ScalingFit.fit(points: [(1e3, 0.4), (1e3, 0.5)]))
        XCTAssertNil(ScalingFit.fit(points: [(0, 0.4), (1e3, 0.5)]))
    }

    func testFitsPerSeriesFromTheIndex() throws {
        var records: [ActionRecord] = []
        for data in ["1k", "10k", "100k"] {
            let x = log10(Double(SizeLabel.parse(data)!))
            records.append(makeRecord(axes: [("data", data), ("model", "r50")], metrics: ["accuracy": .double(0.1 + 0.1 * x)]))
            records.append(makeRecord(axes: [("data", data), ("model", "r101")], metrics: ["accuracy": .double(0.2 + 0.15 * x)]))
        }
        records.append(makeRecord(axes: [("data", "1k"), ("model", "r152")], metrics: ["accuracy": 0.9]))
        let index = try makeIndex(self, records).index
        let fits = try index.fits(ResultsQuery(), sizeAxis: "data", seriesAxes: ["model"], metric: "accuracy")
        XCTAssertEqual(fits.map(\.series), [["model": "r101"], ["model": "r50"]], "r152 has one size and no fit")
        XCTAssertEqual(fits[0].fit.b, 0.15, accuracy: 1e-9)
        XCTAssertEqual(fits[1].fit.a, 0.1, accuracy: 1e-9)
        XCTAssertEqual(fits[1].fit.predictedNextDecade, 0.1 + 0.1 * 6, accuracy: 1e-9)

        let table = try index.scalingFits(ResultsQuery(), ScalingFitOptions(metric: "accuracy")).fitTable()
        XCTAssertEqual(table.columns, ["model", "n", "sizes", "a", "b_per_decade", "b_se", "b_low95", "b_high95", "df", "r2",
                                       "residual_sd", "max_data", "extrapolated_10x", "last_slope", "last_minus_b",
                                       "last_minus_b_se", "verdict", "replicates", "p", "p_holm", "mde80"])
        XCTAssertEqual(table.column("model"), ["r101", "r152", "r50"])
        XCTAssertEqual(table.column("max_data")?[0], "100k")
        XCTAssertEqual(table.rows[1][1...3], [1, 1, .null], "the unfittable series is listed with its one point")
    }

    func testASizeThatIsNotASizeLabelIsAnError() throws {
        let index = try makeIndex(self, [
            makeRecord(axes: [("data", "1k")], metrics: ["accuracy": 0.5]),
            makeRecord(axes: [("data", "full")], metrics: ["accuracy": 0.7]),
        ]).index
        XCTAssertThrowsError(try index.fits(ResultsQuery(), sizeAxis: "data", seriesAxes: [], metric: "accuracy")) {
            XCTAssertTrue("\($0)".contains("data=full is not a positive data size"), "\($0)")
        }
        let fits = try index.fits(ResultsQuery(filters: try AxisFilter.parse("data!=full")), sizeAxis: "data",
                                  seriesAxes: [], metric: "accuracy")
        XCTAssertTrue(fits.isEmpty, "one size left: nothing to fit")
    }
}
