import Foundation
import XCTest

/// The behaviour a build tool lives by (issue: point 4), proven through the binary.
final class IncrementalBuildTests: XCTestCase {
    func testFirstBuildRunsEverythingAndSecondRunsNothingInOneLine() throws {
        let h = try Fixtures.project()
        let first = try h.run(["build", "exp.yaml", "-j", "2"])
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertEqual(CLIHarness.started(first).count, 3 + 6 + 6, first.out)
        XCTAssertEqual(try h.takeRan().count, 12)

        let second = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(second.status, 0, second.all)
        XCTAssertEqual(second.out.trimmingCharacters(in: .whitespacesAndNewlines),
                       "nothing to do: all 16 nodes up to date")
        XCTAssertEqual(try h.takeRan(), [])
    }

    func testChangingOneSubsetSeedRerunsExactlyThatSubsetAndItsDescendants() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        _ = try h.takeRan()
        try h.write("exp.yaml", Fixtures.experiment.replacingOccurrences(of: "seed: 2", with: "seed: 3"))
        let r = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(CLIHarness.started(r), ["eval/data=30/model=big", "eval/data=30/model=small", "subset/data=30",
                                               "train/data=30/model=big", "train/data=30/model=small"])
    }

    func testEditingACodeFileRerunsExactlyTheStepsThatDeclareIt() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        _ = try h.takeRan()
        try h.write("train.sh", Fixtures.trainScript + "echo extra >> \"$4/weights.txt\"\n")
        let r = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        let started = CLIHarness.started(r)
        XCTAssertEqual(started.filter { $0.hasPrefix("train/") }.count, 6)
        XCTAssertTrue(started.allSatisfy { !$0.hasPrefix("subset/") }, r.out)
        // The new weights differ, so every eval re-runs too.
        XCTAssertEqual(started.filter { $0.hasPrefix("eval/") }.count, 6)
    }

    func testByteIdenticalOutputsStopTheRebuild() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        _ = try h.takeRan()
        // `note` enters train's key but not its output: train re-runs, eval is cut off.
        try h.write("exp.yaml", Fixtures.experiment.replacingOccurrences(of: "same output", with: "still the same"))
        let r = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try h.takeRan().filter { $0.hasPrefix("eval/") }, [])
        XCTAssertEqual(CLIHarness.started(r).count, 6, r.out)
        XCTAssertTrue(r.out.contains("cut off early 6"), r.out)
    }

    func testStoreLocationAndJobCountAreNotPartOfKeys() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml", "-j", "1"]).status, 0)
        XCTAssertTrue(try h.run(["build", "exp.yaml", "-j", "4"]).out.hasPrefix("nothing to do"))
        try FileManager.default.moveItem(at: h.dir.appendingPathComponent("cache"),
                                         to: h.dir.appendingPathComponent("moved-store"))
        let r = try h.run(["build", "exp.yaml", "--store", "moved-store"])
        XCTAssertTrue(r.out.hasPrefix("nothing to do"), r.all)
        let env = try h.run(["build", "exp.yaml"], env: ["XGRAPH_STORE": h.dir.appendingPathComponent("moved-store").path])
        XCTAssertTrue(env.out.hasPrefix("nothing to do"), env.all)
    }

    func testTargetsSelectGlobsAndTheirDependencies() throws {
        let h = try Fixtures.project()
        let r = try h.run(["build", "exp.yaml", "eval/*/model=big"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(CLIHarness.started(r), [
            "eval/data=10/model=big", "eval/data=20/model=big", "eval/data=30/model=big",
            "subset/data=10", "subset/data=20", "subset/data=30",
            "train/data=10/model=big", "train/data=20/model=big", "train/data=30/model=big"])
    }

    func testForceRerunsTheNamedNodeOnly() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let r = try h.run(["build", "exp.yaml", "--force", "train/data=10/model=small"])
        XCTAssertEqual(CLIHarness.started(r), ["train/data=10/model=small"], r.all)
    }
}
