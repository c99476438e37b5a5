import Foundation
import XCTest
import XGraphCore
import XGraphResults
import XGraphStore

/// `--log-error`: an accuracy near its ceiling is fitted as log10(1 − accuracy), where a power
/// law of the error is a straight line.
final class LogErrorFitTests: XCTestCase {
    /// accuracy = 1 − 10^(−0.2 − 0.3·log10(size)): the error falls by 10^0.3 ≈ 2× per decade.
    func index(ceiling: Bool = false) throws -> ResultsIndex {
        var records: [ActionRecord] = []
        for data in ["1k", "10k", "100k"] {
            let x = log10(Double(SizeLabel.parse(data) ?? 0))
            let accuracy = ceiling && data == "100k" ? 1.0 : 1 - pow(10, -0.2 - 0.3 * x)
            records.append(makeRecord(axes: [("data", data), ("model", "m")], metrics: ["accuracy": .double(accuracy)]))
        }
        return try makeIndex(self, records).index
    }

    func testTheErrorOnALogScaleIsALineWhereTheAccuracyIsNot() throws {
        let report = try index().scalingFits(ResultsQuery(), ScalingFitOptions(metric: "accuracy", logError: true))
        let fit = try XCTUnwrap(report.series.first?.fit)
        XCTAssertEqual(fit.b, -0.3, accuracy: 1e-9)
        XCTAssertEqual(fit.a, -0.2, accuracy: 1e-9)
        XCTAssertEqual(fit.r2, 1, accuracy: 1e-12)
        XCTAssertTrue(report.text(residuals: false).hasPrefix("log10(1 − accuracy) = a + b·log10(data)"))
        XCTAssertEqual(report.json.objectValue?["scale"], .string("log10(1 - metric)"))
        // The same runs on the accuracy scale bend (R² below 1).
        let linear = try index().scalingFits(ResultsQuery(), ScalingFitOptions(metric: "accuracy"))
        XCTAssertLessThan(try XCTUnwrap(linear.series.first?.fit).r2, 0.99)
    }

    func testAnAccuracyOfOneHasNoLogErrorAndSaysSo() throws {
        XCTAssertThrowsError(try index(ceiling: true).scalingFits(ResultsQuery(), ScalingFitOptions(metric: "accuracy", logError: true))) {
            XCTAssertTrue("\($0)".contains("needs a value below 1"), "\($0)")
        }
    }
}
