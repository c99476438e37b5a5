import Foundation
import XCTest
import XGraphResults
@testable import XGraphReport

/// The forecast panel draws the law, its band, the extrapolated region and the forecast with
/// its interval where they belong on log-log axes, as well-formed SVG.
final class ForecastPanelTests: XCTestCase {
    func panel(title: String = "top1: model=r152") throws -> ForecastPanel {
        // top1 = 1 − (0.2 + 5·D^−0.3), with a wobble of ±1 % so the bootstrap has residuals.
        let sizes: [Double] = [1e5, 3e5, 1e6, 3e6, 1e7]
        let points = sizes.enumerated().map { i, d in
            LawPoint(data: d, value: 1 - (0.2 + 5 * pow(d, -0.3)) * (i % 2 == 0 ? 1.01 : 0.99))
        }
        let fit = try LawFitter.fit(points, LawSettings(law: .power, direction: .higher(ceiling: 1), bootstrap: 100),
                                    at: [ForecastPoint(data: 1e8, label: "data=100M")])
        return ForecastPanel(title: title, metric: "top1", fit: fit, suggestions: [
            DesignChoice(candidate: DesignCandidate(id: "ft/data=30M", data: 3e7, cost: 12), cost: 20, newUpstream: ["pre/data=30M"],
                         widthBefore: 0.04, widthAfter: 0.02),
        ])
    }

    func testPanelDrawsLawBandExtrapolationAndForecast() throws {
        let p = try panel()
        let html = p.render()
        let xml = XMLElements(html)
        XCTAssertNil(xml.error, "well-formed")
        XCTAssertEqual(xml.withClass("run").count, 5, "one marker per run")
        XCTAssertEqual(xml.withClass("band").count, 1)
        XCTAssertEqual(xml.withClass("law").count, 1)
        let shade = try XCTUnwrap(xml.withClass("extrapolated").first)
        let forecast = try XCTUnwrap(xml.withClass("forecastpoint").first?.attributes["cx"].flatMap(Double.init))
        let lastRun = try XCTUnwrap(xml.withClass("run").compactMap { $0.attributes["cx"].flatMap(Double.init) }.max())
        let shadeX = try XCTUnwrap(shade.attributes["x"].flatMap(Double.init))
        XCTAssertEqual(shadeX, lastRun, accuracy: 0.1, "the shading starts at the largest measured size")
        XCTAssertGreaterThan(forecast, shadeX, "the forecast lies in the shaded region")
        XCTAssertEqual(xml.withClass("interval").count, 1)
        XCTAssertTrue(html.contains("1 − top1 (log scale)"), "a score is drawn as its error")
        XCTAssertTrue(html.contains("<code>ft/data=30M</code>") && html.contains("pre/data=30M"), "the suggestion table")
    }

    func testTitlesAreEscaped() throws {
        let html = try panel(title: "top1: task=<a&b>").render()
        XCTAssertNil(XMLElements(html).error)
        XCTAssertTrue(html.contains("task=&lt;a&amp;b&gt;"))
    }
}
