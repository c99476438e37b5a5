import Foundation
import XCTest
import XGraphBuild

/// The live line's ETA comes from the nodes' expected durations (the scheduler's history), not
/// from the rate at which nodes were counted done, which cached nodes inflate.
final class ProgressETATests: XCTestCase {
    func testTheETAIsTheExpectedWorkLeftNotTheRateOfCachedNodes() {
        let p = TerminalProgress(live: false)
        p.event(.planned(total: 12, toRun: 12))
        var estimates: [String: Double] = ["slow": 600, "quick": 60]
        for i in 0..<10 { estimates["cached\(i)"] = 30 }
        p.event(.estimated(estimates))
        // Ten cached nodes come back at once: a rate-based ETA would say "nearly done".
        for i in 0..<10 { p.event(.cached(node: "cached\(i)", hit: .upToDate)) }
        p.event(.started(node: "slow", gpuIDs: [], attempt: 1))
        let start = Date()
        // 100 s into "slow": 500 s left of it, and "quick" (60 s) still to run.
        let footer = p.footerText(at: start.addingTimeInterval(100))
        XCTAssertTrue(footer.contains("[10/12]"), footer)
        XCTAssertTrue(footer.contains("ETA ~" + PlanReport.formatDuration(560)), footer)
        p.event(.finished(node: "slow", seconds: 600))
        XCTAssertTrue(p.footerText(at: start.addingTimeInterval(600)).contains("ETA ~" + PlanReport.formatDuration(60)))
    }
}
