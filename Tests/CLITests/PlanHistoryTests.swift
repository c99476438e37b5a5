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

    /// For a cluster, many short nodes of a step without `group:` get a proposal for one, sized
    /// from their estimates; a grouped step, a step of few nodes and a step of long nodes none.
    func testPlanForSlurmProposesGroupForManyShortNodes() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              short:
                foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20] }
                estimate: 10s
                command: echo {{ i }} > {{ out }}/x
              grouped:
                foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }
                estimate: 10s
                group: { max_nodes: 5, max_time: 10m }
                command: echo {{ i }} > {{ out }}/x
              few:
                foreach: { i: [1, 2, 3] }
                estimate: 10s
                command: echo {{ i }} > {{ out }}/x
              long:
                foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }
                estimate: 2h
                command: echo {{ i }} > {{ out }}/x

            """)
        // No Slurm on PATH: the proposal needs none (an unreadable sinfo retries for a minute).
        try h.write("empty-bin/.keep", "")
        let plan = try h.run(["plan", "exp.yaml", "--executor", "slurm"], env: ["PATH": h.dir.path + "/empty-bin"])
        XCTAssertEqual(plan.status, 0, plan.all)
        XCTAssertTrue(plan.out.contains("hint: step short: 20 nodes of about 10s each would be 20 Slurm jobs; "
            + "`group: { max_nodes: 20, max_time: 7m }` on the step runs them as 1"), plan.out)
        XCTAssertEqual(plan.out.components(separatedBy: "hint: ").count, 2, plan.out)
        let json = try h.run(["plan", "exp.yaml", "--executor", "slurm", "--json"], env: ["PATH": h.dir.path + "/empty-bin"])
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        let hints = object?["hints"] as? [String] ?? []
        XCTAssertEqual(hints.count, 1, json.out)
        XCTAssertTrue(hints.first?.hasPrefix("step short: 20 nodes") ?? false, json.out)
        // A local plan proposes nothing: groups are Slurm's.
        XCTAssertFalse(try h.run(["plan", "exp.yaml"]).out.contains("hint:"))
    }
}
