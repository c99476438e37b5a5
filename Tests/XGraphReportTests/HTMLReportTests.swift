import Foundation
import XCTest
import XGraphResults
@testable import XGraphReport

final class HTMLReportTests: XCTestCase {
    func plot(_ i: Int, label: String = "model=a") -> SVGPlot {
        SVGPlot(title: "m: task=t\(i)", xLabel: "data", yLabel: "m", series: [
            .init(label: label, style: .at(0), points: [.init(size: 10, label: "10", mean: 0.1, sd: nil, n: 1),
                                                       .init(size: 100, label: "100", mean: 0.2, sd: nil, n: 1)],
                  fit: .init(a: 0, b: 0.1, from: 10, to: 100))])
    }

    func report(plots: [SVGPlot], unbuilt: [HTMLReport.Unbuilt]? = [], timeline: Timeline? = nil) -> HTMLReport {
        HTMLReport(title: "t <&>", provenance: .init(commits: [("abc-dirty", 3)], xgraphVersion: "0", store: "/s",
                                                     generated: "now", file: "exp.yaml", selection: "current"),
                   unbuilt: unbuilt, notes: [], groups: [.init(metric: "m", plots: plots)],
                   pivots: [ResultTable(columns: ["data", "a"], rows: [[.string("<x>"), .double(0.5)]], title: "pivot")],
                   fits: [], timeline: timeline, cost: nil)
    }

    /// Each inline SVG of the page, parsed.
    func svgs(_ html: String) -> [XMLElements] {
        html.components(separatedBy: "<svg ").dropFirst().map { "<svg " + ($0.components(separatedBy: "</svg>").first ?? "") + "</svg>" }
            .map(XMLElements.init)
    }

    func testFewPanelsHaveTheirOwnLegendsAndIdsAreUnique() {
        let html = report(plots: (0..<3).map { plot($0) }).render()
        XCTAssertEqual(html.components(separatedBy: "class=\"legend\"").count - 1, 3)
        XCTAssertFalse(html.contains("legendbox\">"))
        for id in ["p0-m0", "p1-m0", "p2-m0"] { XCTAssertTrue(html.contains("id=\"\(id)\""), id) }
        XCTAssertTrue(svgs(html).allSatisfy { $0.error == nil })
        XCTAssertTrue(html.contains("<title>model=a, 10: 0.1000 (n=1)</title>"), "tooltips on a small page")
    }

    func testManyPanelsShareOneLegend() {
        let html = report(plots: (0..<13).map { plot($0) }).render()
        XCTAssertEqual(html.components(separatedBy: "class=\"legend\"").count - 1, 1)
        XCTAssertTrue(html.contains("<figure class=\"legendbox\">"))
        XCTAssertTrue(svgs(html).allSatisfy { $0.error == nil })
    }

    func testUnbuiltNodesAndTextAreEscapedAndNothingIsFetched() {
        let timeline = Timeline(runs: [.init(node: "n/<1>", step: "s", host: "h", gpus: [0], start: Date(timeIntervalSince1970: 0),
                                             end: Date(timeIntervalSince1970: 5))])
        let html = report(plots: [plot(0, label: "model=<b>")], unbuilt: [.init(node: "train/x=<y>", status: "stale")],
                          timeline: timeline).render()
        XCTAssertTrue(html.contains("<code>train/x=&lt;y&gt;</code> (stale)"))
        XCTAssertTrue(html.contains("Not built for the current spec: 1 node"))
        XCTAssertFalse(html.contains("<b>") || html.contains("<x>") || html.contains("<1>"))
        XCTAssertTrue(html.contains("<title>t &lt;&amp;&gt;</title>"))
        XCTAssertTrue(svgs(html).allSatisfy { $0.error == nil })
        let outside = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        for ref in ["http:", "https:", "src=", "url(", "<script", "<link"] { XCTAssertFalse(outside.contains(ref), ref) }
    }
}
