import Foundation
import XCTest
@testable import XGraphReport

final class SVGPlotTests: XCTestCase {
    func plot(hostile: String = "small") -> SVGPlot {
        let s1 = SVGPlot.Series(label: "model=\(hostile)", style: .at(0), points: [
            .init(size: 1000, label: "1k", mean: 0.5, sd: 0.01, n: 3),
            .init(size: 10_000, label: "10k", mean: 0.6, sd: 0.02, n: 3),
            .init(size: 30_000, label: "30k", mean: 0.65, sd: nil, n: 1),
        ], fit: .init(a: 0.2, b: 0.1, from: 1000, to: 30_000))
        let s2 = SVGPlot.Series(label: "model=big", style: .at(1), points: [
            .init(size: 1000, label: "1k", mean: 0.55, sd: nil, n: 1),
            .init(size: 30_000, label: "30k", mean: 0.75, sd: nil, n: 1),
        ], fit: nil)
        return SVGPlot(title: "acc: task=<fine>", xLabel: "data", yLabel: "acc (fraction)", series: [s1, s2])
    }

    func testParsesAsXMLWithOneMarkerPerSeriesAndSize() throws {
        let doc = XMLElements(plot().render())
        XCTAssertNil(doc.error)
        let markers = doc.withClass("marker")
        XCTAssertEqual(markers.count, 5)
        XCTAssertEqual(doc.withClass("errorbar").count, 2, "only sizes with an SD get a bar")
        XCTAssertEqual(doc.withClass("series").count, 2)
        XCTAssertEqual(Set(doc.withClass("series").compactMap { $0.attributes["data-label"] }), ["model=small", "model=big"])
    }

    /// A diff's labels name a series and a commit: the legend grows to hold the longest one
    /// instead of cutting it off at a fixed width.
    func testTheLegendIsWideEnoughForItsLongestLabel() throws {
        let long = "d3f1c8a9e2@0123456789-dirty+untracked:abcdef01 model=r152"
        func width(_ svg: String) -> Double { Double(XMLElements(svg).elements.first?.attributes["width"] ?? "") ?? 0 }
        let short = width(plot().render()), wide = width(plot(hostile: long).render())
        XCTAssertGreaterThanOrEqual(wide - short, 7.0 * Double(long.count - "small".count) - 210, "\(short) → \(wide)")
        XCTAssertGreaterThan(wide, short)
        let legend = width(SVGPlot.legendSVG([plot(hostile: long)], id: "l"))
        XCTAssertGreaterThanOrEqual(legend, 38 + 6.5 * Double("model=".count + long.count), "\(legend)")
    }

    func testDecadeTicksSpanTheData() throws {
        let doc = XMLElements(plot().render())
        let ticks = doc.withClass("xtick").compactMap { $0.attributes["data-value"].flatMap(Double.init) }
        XCTAssertEqual(ticks, [1000, 10_000, 100_000])
        XCTAssertEqual(doc.withClass("xtick").count, 3)
        XCTAssertEqual(Ticks.decades(1000, 60_000), [1000, 10_000, 100_000])
        XCTAssertEqual(Ticks.decades(300, 300), [100, 1000])
        XCTAssertEqual(Ticks.decades(1000, 1000), [100, 1000, 10_000])
    }

    func testFitLineRunsOverTheMeasuredRangeOnly() throws {
        let doc = XMLElements(plot().render())
        let fits = doc.withClass("fit").filter { $0.attributes["data-x0"] != nil }
        XCTAssertEqual(fits.count, 1)
        let f = fits[0].attributes
        XCTAssertEqual(Double(f["data-x0"] ?? ""), 1000)
        XCTAssertEqual(Double(f["data-x1"] ?? ""), 30_000)
        XCTAssertEqual(try XCTUnwrap(Double(f["data-y0"] ?? "")), 0.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(Double(f["data-y1"] ?? "")), 0.2 + 0.1 * log10(30_000), accuracy: 1e-12)
    }

    func testConstantValuesGetARoundAxis() {
        let t = Ticks.linear(1.1, 1.1000000000000001)
        XCTAssertGreaterThan(t.hi - t.lo, 0.01)
        XCTAssertEqual(Ticks.label(1.1, step: 0), "1.1")
        let flat = SVGPlot(title: "loss", xLabel: "data", yLabel: "loss", series: [
            .init(label: "m", style: .at(0), points: [.init(size: 10, label: "10", mean: 1.1, sd: nil, n: 1),
                                                     .init(size: 100, label: "100", mean: 1.1000000000000001, sd: nil, n: 1)],
                  fit: .init(a: 1.1, b: 0, from: 10, to: 100))])
        XCTAssertNil(XMLElements(flat.render()).error)
    }

    func testTextIsEscaped() throws {
        let svg = plot(hostile: "<script>&\"'\u{1}").render()
        XCTAssertNil(XMLElements(svg).error)
        XCTAssertFalse(svg.contains("<script>"))
        XCTAssertTrue(svg.contains("&lt;script&gt;&amp;&quot;&#39;"))
    }

    func testStylesDifferWithoutColour() {
        let styles = (0..<8).map { SeriesStyle.at($0) }
        XCTAssertEqual(Set(styles.map(\.marker)).count, 8)
        XCTAssertEqual(Set(styles.map { $0.dash ?? "solid" }).count, 8)
    }
}
