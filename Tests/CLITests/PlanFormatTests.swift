import Foundation
import XCTest

/// The scriptable forms of `plan` and `explain` (docs/json.md) and the graph drawings.
final class PlanFormatTests: XCTestCase {
    func json(_ r: CLIHarness.Result) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.all)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], r.out)
    }

    func testPlanJSONListsEveryNodeWithStatusAndTotals() throws {
        let h = try Fixtures.project()
        let before = try json(try h.run(["plan", "exp.yaml", "--json"]))
        XCTAssertEqual(before["format"] as? String, "xgraph-plan")
        XCTAssertEqual(before["version"] as? Int, 1)
        let nodes = try XCTUnwrap(before["nodes"] as? [[String: Any]])
        XCTAssertEqual(nodes.count, 1 + 3 + 6 + 6)
        let train = try XCTUnwrap(nodes.first { ($0["node"] as? String) == "train/data=10/model=small" }, "\(nodes)")
        XCTAssertEqual(train["status"] as? String, "will_run")
        XCTAssertTrue(train["key"] is NSNull, "its input is not built yet")
        let totals = try XCTUnwrap(before["totals"] as? [String: Any])
        XCTAssertEqual(totals["will_run"] as? Int, 15)
        XCTAssertEqual(totals["cached"] as? Int, 1, "the dataset")

        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let after = try json(try h.run(["plan", "exp.yaml", "--json"]))
        let all = try XCTUnwrap(after["nodes"] as? [[String: Any]])
        XCTAssertTrue(all.allSatisfy { ($0["status"] as? String) == "cached" }, "\(all)")
        XCTAssertTrue(all.dropFirst().allSatisfy { ($0["key"] as? String)?.count == 64 }, "every node but the dataset has a key")
    }

    func testExplainJSONHasTheKeyPartsInFull() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("exp.yaml", Fixtures.experiment.replacingOccurrences(of: "lr: 0.1", with: "lr: 0.2"))
        let doc = try json(try h.run(["explain", "exp.yaml", "train/data=10/model=small", "--json"]))
        XCTAssertEqual(doc["format"] as? String, "xgraph-explain")
        XCTAssertEqual(doc["status"] as? String, "will_run")
        XCTAssertEqual((doc["key"] as? String)?.count, 64)
        let parts = try XCTUnwrap(doc["parts"] as? [[String: Any]])
        XCTAssertFalse(parts.isEmpty)
        XCTAssertTrue(parts.contains { ($0["changed"] as? Bool) == true && (($0["name"] as? String) ?? "").contains("lr") }, "\(parts)")
        let last = try XCTUnwrap(doc["last_build"] as? [String: Any])
        XCTAssertFalse((last["changes"] as? [String] ?? []).isEmpty)
    }

    func testDotAndMermaidDrawNodesOrSteps() throws {
        let h = try Fixtures.project()
        let dot = try h.run(["plan", "exp.yaml", "--dot"])
        XCTAssertEqual(dot.status, 0, dot.all)
        XCTAssertTrue(dot.out.hasPrefix("digraph xgraph {"), dot.out)
        let vertices = dot.out.split(separator: "\n").filter { $0.contains(" [label=") && !$0.contains("->") }
        XCTAssertEqual(vertices.count, 16, "one vertex per node: \(dot.out)")
        // Each train node reads one subset, each eval one train: 6 + 6 edges, plus a subset's dataset each.
        XCTAssertEqual(dot.out.components(separatedBy: " -> ").count - 1, 3 + 6 + 6, dot.out)

        let steps = try h.run(["plan", "exp.yaml", "--mermaid", "--steps"])
        XCTAssertEqual(steps.status, 0, steps.all)
        XCTAssertTrue(steps.out.hasPrefix("flowchart LR"), steps.out)
        XCTAssertTrue(steps.out.contains("train (6 nodes)"), steps.out)
        XCTAssertEqual(steps.out.components(separatedBy: "-->").count - 1, 3, "dataset→subset→train→eval: \(steps.out)")

        let bad = try h.run(["plan", "exp.yaml", "--steps"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--steps draws the step graph"), bad.err)
    }
}
