import Foundation
import XCTest
import XGraphCore
import XGraphResults
import XGraphStore

/// Replicates and comparisons through the results index, as `xgraph fit` asks for them.
final class ScalingReplicateTests: XCTestCase {
    /// accuracy = base + slope·log10(size) + 0.01·(seed − 1) for seeds 0, 1, 2.
    func index() throws -> ResultsIndex {
        var records: [ActionRecord] = []
        for data in ["1k", "10k", "100k"] {
            let x = log10(Double(SizeLabel.parse(data) ?? 0))
            for seed in 0..<3 {
                let offset = 0.01 * Double(seed - 1)
                records.append(makeRecord(axes: [("data", data), ("model", "big"), ("seed", "\(seed)")],
                                          metrics: ["accuracy": .double(0.2 + 0.15 * x + offset)]))
                records.append(makeRecord(axes: [("data", data), ("model", "small"), ("seed", "\(seed)")],
                                          metrics: ["accuracy": .double(0.1 + 0.1 * x + offset * Double(seed))]))
            }
        }
        return try makeIndex(self, records).index
    }

    func testReplicatesArePooledIntoOneSeriesWithMeansAndSDs() throws {
        let report = try index().scalingFits(ResultsQuery(), ScalingFitOptions(metric: "accuracy", replicateAxis: "seed"))
        XCTAssertEqual(report.columns, ["model"])
        XCTAssertEqual(report.series.map(\.key), [["model": "big"], ["model": "small"]])
        let big = try XCTUnwrap(report.series[0].fit)
        XCTAssertEqual(big.n, 9)
        XCTAssertEqual(big.b, 0.15, accuracy: 1e-12)
        XCTAssertEqual(big.sizes.map(\.mean)[0], 0.65, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(big.sizes[0].sd), 0.01, accuracy: 1e-12)
        // Each seed is fitted on its own: b ± SE across the 3 seeds, 2 df.
        XCTAssertEqual(big.df, 2)
        XCTAssertEqual(big.lastSegment?.variance, .acrossReplicates)
        XCTAssertNil(big.verdict)
        XCTAssertEqual(big.residuals.compactMap(\.replicate).sorted().first, "0")
        XCTAssertEqual(report.sizeTable().column("sd")?.count, 6)

        // Without --replicates the seeds split the series, as any other varying axis does.
        let split = try index().scalingFits(ResultsQuery(), ScalingFitOptions(metric: "accuracy"))
        XCTAssertEqual(split.columns, ["seed", "model"])
        XCTAssertEqual(split.series.count, 6)
    }

    func testComparingSlopesAcrossModels() throws {
        let report = try index().scalingFits(ResultsQuery(), ScalingFitOptions(metric: "accuracy", replicateAxis: "seed",
                                                                               compareAxis: "model"))
        XCTAssertEqual(report.comparisons.count, 1)
        let c = try XCTUnwrap(report.comparisons.first)
        XCTAssertEqual([c.first, c.second], ["big", "small"])
        XCTAssertEqual(try XCTUnwrap(c.comparison?.difference), 0.05, accuracy: 1e-12)
        XCTAssertEqual(c.comparison?.resolved, true)
        XCTAssertEqual(report.comparisonTable().columns.prefix(2), ["model_1", "model_2"])

        let json = report.json
        XCTAssertEqual(json.objectValue?["replicates"], "seed")
        XCTAssertEqual(json.objectValue?["comparisons"]?.arrayValue?.first?.objectValue?["resolved"], .bool(true))
        let fit = json.objectValue?["series"]?.arrayValue?.first?.objectValue?["fit"]?.objectValue
        XCTAssertEqual(fit?["prediction_10x"]?.objectValue?["extrapolated"], .bool(true))
        XCTAssertEqual(json.objectValue?["series"]?.arrayValue?.first?.objectValue?["residuals"]?.arrayValue?.count, 9)

        let text = report.text(residuals: true)
        XCTAssertTrue(text.contains("big − small"), text)
        XCTAssertTrue(text.contains("resolved"), text)
        XCTAssertTrue(text.contains("mean ± sd"), text)
        XCTAssertTrue(text.contains("extrapolated_10x"), text)
    }

    func testCompareMustBeASeriesAxisAndReplicatesAnotherAxis() throws {
        let index = try index()
        XCTAssertThrowsError(try index.scalingFits(ResultsQuery(), ScalingFitOptions(metric: "accuracy", compareAxis: "seed"))) {
            XCTAssertTrue("\($0)".contains("must be one of the series axes"), "\($0)")
        }
        XCTAssertThrowsError(try index.scalingFits(ResultsQuery(), ScalingFitOptions(metric: "accuracy", replicateAxis: "model"))) {
            XCTAssertTrue("\($0)".contains("must differ"), "\($0)")
        }
    }
}
