import Foundation
import XCTest

/// `results` on an experiment file shows, per node, the record of the node's current key: never a
/// newer run of an earlier spec.
final class CurrentResultsTests: XCTestCase {
    /// Two train nodes record their lr as a metric; eval copies train's metrics.
    static func experiment(lr: String, extraStep: Bool = false) -> String {
        var text = """
            steps:
              train:
                foreach: { seed: [1, 2] }
                params: { lr: \(lr) }
                command: sh metrics.sh {{ params.lr }} {{ seed }} {{ out }}
              eval:
                foreach: { seed: [1, 2] }
                inputs: { ckpt: train }
                command: cp {{ inputs.ckpt }}/metrics.json {{ out }}/metrics.json

            """
        if extraStep {
            text += """
                  report:
                    command: |
                      echo '{"pages": 1}' > {{ out }}/metrics.json

                """
        }
        return text
    }

    static let script = """
        echo "$XGRAPH_NODE" >> ran.log
        echo "{\\"lr\\": $1, \\"s\\": $2}" > "$3/metrics.json"

        """

    static func project(lr: String) throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", experiment(lr: lr))
        try h.write("metrics.sh", script)
        return h
    }

    static func jsonRows(_ h: CLIHarness, _ args: [String]) throws -> [[String: Any]] {
        let r = try h.run(args + ["--format", "json"])
        XCTAssertEqual(r.status, 0, r.all)
        return try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]] ?? []
    }

    /// A field of a row of `results --format json`: `group` is its namespace (`metrics`, `run`).
    static func value(_ rows: [[String: Any]], node: String, _ group: String, _ name: String) -> Any? {
        (rows.first { $0["node"] as? String == node }?[group] as? [String: Any])?[name]
    }

    func testResultsAfterAParamFlipFlopShowTheNumbersOfTheCurrentKey() throws {
        let h = try Self.project(lr: "0.1")
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("exp.yaml", Self.experiment(lr: "0.05"))
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("exp.yaml", Self.experiment(lr: "0.1"))
        _ = try h.takeRan()
        let back = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(back.status, 0, back.all)
        XCTAssertEqual(try h.takeRan(), [], "reverting lr re-uses the first build")

        let rows = try Self.jsonRows(h, ["results", "exp.yaml"])
        XCTAssertEqual(rows.count, 4, "\(rows)")
        for node in ["train/seed=1", "train/seed=2", "eval/seed=1", "eval/seed=2"] {
            XCTAssertEqual(Self.value(rows, node: node, "metrics", "lr") as? Double, 0.1, "\(node) in \(rows)")
        }

        let pivot = try h.run(["results", "exp.yaml", "--step", "train", "--pivot", "seed", "--metric", "lr",
                               "--format", "csv"])
        XCTAssertEqual(pivot.out.split(separator: "\n").map(String.init), ["seed,lr", "1,0.1", "2,0.1"], pivot.all)

        // --all still shows every run, the 0.05 ones included.
        let all = try Self.jsonRows(h, ["results", "exp.yaml", "--all"])
        XCTAssertEqual(all.count, 8, "\(all)")
    }

    func testResultsMarkNodesThatAreNotBuiltForTheCurrentSpec() throws {
        let h = try Self.project(lr: "0.1")
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        // A new lr and a new step, not built yet: nothing may show the 0.1 numbers as current.
        try h.write("exp.yaml", Self.experiment(lr: "0.2", extraStep: true))

        let rows = try Self.jsonRows(h, ["results", "exp.yaml"])
        XCTAssertEqual(rows.count, 5, "\(rows)")
        for node in ["train/seed=1", "train/seed=2", "eval/seed=1", "eval/seed=2"] {
            XCTAssertNil(Self.value(rows, node: node, "metrics", "lr") as? Double, "\(node) in \(rows)")
            XCTAssertEqual(Self.value(rows, node: node, "run", "status") as? String, "stale", "\(node) in \(rows)")
        }
        XCTAssertEqual(Self.value(rows, node: "report", "run", "status") as? String, "never built", "\(rows)")

        let table = try h.run(["results", "exp.yaml"])
        XCTAssertEqual(table.status, 0, table.all)
        XCTAssertFalse(table.out.contains("0.1"), table.out)
        XCTAssertTrue(table.out.contains("5 nodes not built for the current spec"), table.out)

        // Once built, they are current and the footer is gone.
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let built = try h.run(["results", "exp.yaml"])
        XCTAssertTrue(built.out.contains("0.2"), built.out)
        XCTAssertFalse(built.out.contains("not built"), built.out)
    }
}
