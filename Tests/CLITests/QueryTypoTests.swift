import Foundation
import XCTest

/// A query that names a step, axis value or node the experiment file does not have is an error
/// with "did you mean", as the YAML loader's are, not an empty table that exits 0.
final class QueryTypoTests: XCTestCase {
    static func built() throws -> CLIHarness {
        let h = try Fixtures.project()
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)
        return h
    }

    func testAWhereValueNoNodeHasIsAnErrorNamingTheValues() throws {
        let h = try Self.built()
        let r = try h.run(["results", "exp.yaml", "--where", "model=bgi"])
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.err.contains("--where model=bgi: model is never 'bgi' in the experiment file; did you mean 'big'?"), r.err)
        XCTAssertTrue(r.err.contains("values: 'big', 'small'"), r.err)
        XCTAssertEqual(r.out, "", "no table")

        // Scoped to the step: train has no axis task.
        let scoped = try h.run(["results", "exp.yaml", "--step", "train", "--where", "task=x"])
        XCTAssertNotEqual(scoped.status, 0, scoped.all)
        XCTAssertTrue(scoped.err.contains("no axis 'task' in step 'train'") && scoped.err.contains("axes: 'data', 'model'"), scoped.err)

        // Values that exist still select, and `!=` is checked the same way.
        XCTAssertEqual(try h.run(["results", "exp.yaml", "--where", "model=big,data!=20"]).status, 0)
        XCTAssertNotEqual(try h.run(["results", "exp.yaml", "--where", "data!=200"]).status, 0)
    }

    func testAMisspeltStepIsAnErrorInResultsAndFitNotAnEmptyTable() throws {
        let h = try Self.built()
        for args in [["results", "exp.yaml", "--step", "evl"],
                     ["fit", "exp.yaml", "--step", "evl", "--metric", "score"],
                     ["results", "exp.yaml", "--step", "evl", "--all"]] {
            let r = try h.run(args)
            XCTAssertNotEqual(r.status, 0, "\(args): \(r.all)")
            XCTAssertTrue(r.err.contains("--step evl: no step 'evl'") && r.err.contains("did you mean 'eval'?"), "\(args): \(r.err)")
            XCTAssertFalse(r.err.contains("metric"), "the step is to blame, not the metric: \(r.err)")
        }
        // Without a file, the names of the indexed runs.
        let bare = try h.run(["results", "--step", "evl"])
        XCTAssertNotEqual(bare.status, 0, bare.all)
        XCTAssertTrue(bare.err.contains("no step 'evl' among the indexed runs; did you mean 'eval'?"), bare.err)
    }

    func testAGlobThatMatchesNothingShowsTheAxisOrderOfItsStep() throws {
        let h = try Fixtures.project()
        let r = try h.run(["plan", "exp.yaml", "eval/model=big/*"])
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.err.contains("no node matches 'eval/model=big/*'; eval names its nodes eval/data=…/model=…: did you mean 'eval/data=*/model=big'?"), r.err)

        // An axis left out in the middle becomes `axis=*`, one after the last named is `/*`.
        let middle = try h.run(["plan", "exp.yaml", "train/model=small"])
        XCTAssertTrue(middle.err.contains("did you mean 'train/data=*/model=small'?"), middle.err)
        let tail = try h.run(["plan", "exp.yaml", "trian/data=10"])
        XCTAssertTrue(tail.err.contains("did you mean 'train/data=10/*'?"), tail.err)
        // A misspelt value still gets the closest node names.
        let value = try h.run(["plan", "exp.yaml", "eval/data=10/model=bgi"])
        XCTAssertTrue(value.err.contains("close names: eval/data=10/model=big"), value.err)
        // Out of order with a value the step does not have: its naming and its values, not
        // node names of other steps.
        let both = try h.run(["plan", "exp.yaml", "eval/model=huge/*"])
        XCTAssertTrue(both.err.contains("eval names its nodes eval/data=…/model=…, and model is never 'huge' there"), both.err)
        XCTAssertTrue(both.err.contains("values: 'small', 'big'"), both.err)
        XCTAssertFalse(both.err.contains("close names"), both.err)
    }

    func testAMisspeltMetricOrPivotAxisGetsDidYouMean() throws {
        let h = try Self.built()
        let metric = try h.run(["fit", "exp.yaml", "--step", "eval", "--metric", "scroe"])
        XCTAssertNotEqual(metric.status, 0)
        XCTAssertTrue(metric.err.contains("unknown metric 'scroe'; did you mean 'score'?"), metric.err)
        let axis = try h.run(["results", "exp.yaml", "--pivot", "dat,model", "--metric", "score"])
        XCTAssertNotEqual(axis.status, 0)
        XCTAssertTrue(axis.err.contains("--pivot: unknown axis 'dat'; did you mean 'data'?"), axis.err)
    }
}
