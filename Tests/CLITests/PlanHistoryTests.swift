import Foundation
import XCTest

/// `plan` estimates come from earlier runs.
final class PlanHistoryTests: XCTestCase {
    func testPlanEstimatesAStepWithoutSubsetAxisFromItsLastRun() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              slow:
                command: |
                  sleep 2 && echo '{"done": 1}' > {{ out }}/metrics.json

            """)
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)
        let plan = try h.run(["plan", "exp.yaml", "--force", "slow"])
        XCTAssertEqual(plan.status, 0, plan.all)
        XCTAssertFalse(plan.out.contains("[~1.0m]"), "the 60 s fallback, not the 2 s run:\n\(plan.out)")
        XCTAssertNotNil(plan.out.range(of: #"\[~[23]s\]"#, options: .regularExpression), plan.out)
    }
}
