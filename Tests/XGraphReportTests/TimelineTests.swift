import Foundation
import XCTest
@testable import XGraphReport

final class TimelineTests: XCTestCase {
    func run(_ node: String, _ start: Double, _ end: Double, gpus: [Int] = []) -> Timeline.Run {
        Timeline.Run(node: node, step: node.split(separator: "/").first.map(String.init) ?? node, host: "h", gpus: gpus,
                     start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end))
    }

    func testCPUSlotsAreDerivedGreedilyFromOverlaps() {
        let t = Timeline(runs: [run("a/1", 0, 10), run("a/2", 1, 5), run("a/3", 6, 12), run("a/4", 11, 13)])
        XCTAssertEqual(t.rows, ["h cpu 0", "h cpu 1"])
        let rowOf = Dictionary(uniqueKeysWithValues: t.bars.map { ($0.run.node, $0.row) })
        XCTAssertEqual(rowOf, ["a/1": 0, "a/2": 1, "a/3": 1, "a/4": 0])
    }

    func testGPURunsGetARowPerGPUAndCountGPUHours() {
        let t = Timeline(runs: [run("p/1", 0, 3600, gpus: [0, 1]), run("t/1", 0, 1800, gpus: [2]), run("e/1", 0, 10)])
        XCTAssertEqual(t.rows, ["h gpu 0", "h gpu 1", "h gpu 2", "h cpu 0"])
        XCTAssertEqual(t.bars.count, 4)
        XCTAssertEqual(t.gpuHours, 2.5, accuracy: 1e-9)
        XCTAssertNil(XMLElements(t.render()).error)
        XCTAssertEqual(XMLElements(t.render()).withClass("bar").count, 4)
    }

    func testLastBuildStopsAtALongGap() {
        let runs = [run("old/1", 0, 10), run("new/1", 10_000, 10_010), run("new/2", 10_005, 10_100), run("new/3", 10_200, 10_300)]
        XCTAssertEqual(Timeline.lastBuild(runs).map(\.node), ["new/1", "new/2", "new/3"])
    }

    /// Four builds a few seconds apart are four builds: runs are grouped by the id each build
    /// writes into its records, not by time.
    func testLastBuildIsTheNewestRunsBuildWhateverTheGaps() {
        func r(_ node: String, _ start: Double, _ end: Double, _ id: String) -> Timeline.Run {
            var x = run(node, start, end)
            x.buildID = id
            return x
        }
        let runs = [r("a/1", 0, 5, "b1"), r("b/1", 6, 10, "b2"), r("c/1", 11, 15, "b3"), r("d/1", 16, 20, "b4"),
                    r("d/2", 12, 21, "b4")]
        XCTAssertEqual(Timeline.lastBuild(runs).map(\.node), ["d/2", "d/1"])
    }

    func testParsesTheIndexTimeText() {
        XCTAssertEqual(Timeline.parseTime("2026-11-23T09:41:07.250Z")?.timeIntervalSince1970 ?? 0, 1_795_426_867.25, accuracy: 1e-6)
        XCTAssertNil(Timeline.parseTime("yesterday"))
    }
}
