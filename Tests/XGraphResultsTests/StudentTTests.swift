import Foundation
import XCTest
import XGraphResults

final class StudentTTests: XCTestCase {
    /// scipy.stats.t.ppf(0.975, df), to the digits printed.
    func testTwoSidedNinetyFivePercentQuantilesMatchKnownValues() {
        let known: [(Double, Double)] = [
            (1, 12.706204736174694), (2, 4.302652729749462), (3, 3.1824463052837078), (4, 2.7764451051977934),
            (5, 2.5705818356363146), (7, 2.364624251592784), (10, 2.228138851986274), (30, 2.0422724563012378),
            (100, 1.9839715185235518), (1000, 1.9623390808264083), (50.0 / 17, 3.218758614532882),
        ]
        for (df, t) in known {
            XCTAssertEqual(StudentT.quantile(0.975, df: df), t, accuracy: 1e-10 * t, "df \(df)")
        }
    }

    func testOtherLevelsTailsAndClosedForms() {
        XCTAssertEqual(StudentT.quantile(0.995, df: 5), 4.032142983555228, accuracy: 1e-9)
        XCTAssertEqual(StudentT.quantile(0.95, df: 1), 6.313751514675037, accuracy: 1e-9)
        XCTAssertEqual(StudentT.quantile(0.025, df: 3), -3.1824463052837086, accuracy: 1e-10)
        XCTAssertEqual(StudentT.quantile(0.999, df: 2.5), 13.82219311086596, accuracy: 1e-8)
        XCTAssertEqual(StudentT.quantile(0.5, df: 7), 0)
        // df 1 is the Cauchy distribution, df 2 has a closed form too.
        for p in [0.6, 0.9, 0.99, 0.9999] {
            XCTAssertEqual(StudentT.quantile(p, df: 1), tan(Double.pi * (p - 0.5)), accuracy: 1e-9 * tan(Double.pi * (p - 0.5)))
            XCTAssertEqual(StudentT.quantile(p, df: 2), (2 * p - 1) / (2 * p * (1 - p)).squareRoot(), accuracy: 1e-10)
        }
        // Large df approaches the normal quantile 1.959963984540054.
        XCTAssertEqual(StudentT.quantile(0.975, df: 1e7), 1.959963984540054, accuracy: 1e-6)
    }

    func testTheCDFInvertsTheQuantileAndRejectsNonsense() {
        for df in [1.0, 3, 8.5, 40] {
            for p in [0.01, 0.3, 0.8, 0.975] {
                XCTAssertEqual(StudentT.cdf(StudentT.quantile(p, df: df), df: df), p, accuracy: 1e-12)
            }
        }
        XCTAssertTrue(StudentT.quantile(1, df: 3).isNaN)
        XCTAssertTrue(StudentT.quantile(0.9, df: 0).isNaN)
        XCTAssertTrue(StudentT.cdf(1, df: -1).isNaN)
        XCTAssertEqual(StudentT.cdf(.infinity, df: 3), 1)
    }
}
