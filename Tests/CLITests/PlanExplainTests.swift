import Foundation
import XCTest

final class PlanExplainTests: XCTestCase {
    func testPlanOfAFreshStoreSaysNeverBuiltAndRunsNothing() throws {
        let h = try Fixtures.project()
        let r = try h.run(["plan", "exp.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.contains("will run   subset/data=10"), r.out)
        XCTAssertTrue(r.out.contains("(never built)"), r.out)
        XCTAssertTrue(r.out.contains("16 nodes: 1 cached, 15 will run, 0 blocked"), r.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.dir.appendingPathComponent("ran.log").path))
    }

    func testPlanNamesTheChangedParamWithOldAndNewValues() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("exp.yaml", Fixtures.experiment.replacingOccurrences(of: "lr: 0.1", with: "lr: 0.05"))
        let r = try h.run(["plan", "exp.yaml", "--changed-only"])
        XCTAssertTrue(r.out.contains("will run   train/data=10/model=small"), r.out)
        XCTAssertTrue(r.out.contains("param lr changed 0.1→0.05"), r.out)
        XCTAssertTrue(r.out.contains("eval/data=10/model=small"), r.out)
        XCTAssertTrue(r.out.contains("input train/data=10/model=small will be rebuilt"), r.out)
        XCTAssertFalse(r.out.contains("subset/data=10 "), r.out)
    }

    func testPlanNamesAChangedCodeFileAndForcedNodes() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("train.sh", Fixtures.trainScript + "# comment\n")
        let r = try h.run(["plan", "exp.yaml", "--changed-only", "--force", "subset/data=20"])
        XCTAssertTrue(r.out.contains("code train.sh changed"), r.out)
        XCTAssertTrue(r.out.contains("will run   subset/data=20"), r.out)
        XCTAssertTrue(r.out.contains("(forced)"), r.out)
    }

    func testExplainPrintsEveryKeyPartAndWhatChanged() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let same = try h.run(["explain", "exp.yaml", "train/data=20/model=big"])
        XCTAssertEqual(same.status, 0, same.all)
        for part in ["version", "kind", "param:lr", "param:data", "param:model", "command", "code:train.sh", "input:subset"] {
            XCTAssertTrue(same.out.contains(part), "missing \(part) in\n\(same.out)")
        }
        XCTAssertTrue(same.out.contains("unchanged since the last build"), same.out)
        try h.write("exp.yaml", Fixtures.experiment.replacingOccurrences(of: "lr: 0.1", with: "lr: 0.2"))
        let changed = try h.run(["explain", "exp.yaml", "train/data=20/model=big"])
        XCTAssertTrue(changed.out.contains("* param:lr"), changed.out)
        XCTAssertTrue(changed.out.contains("param lr changed 0.1→0.2"), changed.out)
    }

    func testExplainOfAnUnknownNodeSuggestsNames() throws {
        let h = try Fixtures.project()
        let r = try h.run(["explain", "exp.yaml", "train/data=99"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("no node train/data=99"), r.err)
        XCTAssertTrue(r.err.contains("train/data=10/model=small"), r.err)
    }
}
