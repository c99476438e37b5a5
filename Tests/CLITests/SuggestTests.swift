import Foundation
import XCTest

/// `xgraph suggest` on FitLawTests' study with its largest size not built yet: the runs it
/// chooses are that size's, in the target's series, with the upstream subset they need, and the
/// command builds exactly them.
final class SuggestTests: XCTestCase {
    func project() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", FitLawTests.experiment)
        try h.write("loss.sh", FitLawTests.script)
        try h.write("data.txt", Fixtures.data)
        let build = try h.run(["build", "exp.yaml", "subset/data=10", "subset/data=20", "subset/data=40", "subset/data=70",
                               "train/data=10/*", "train/data=20/*", "train/data=40/*", "train/data=70/*"])
        XCTAssertEqual(build.status, 0, build.all)
        return h
    }

    func testSuggestChoosesUnbuiltRunsOfTheTargetSeriesAndPrintsTheBuildCommand() throws {
        let h = try project()
        let r = try h.run(["suggest", "exp.yaml", "--step", "train", "--metric", "loss", "--budget", "5gpu-h",
                           "--target", "data=1k,model=small", "--replicates", "seed", "--bootstrap", "100"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.hasPrefix("model=small: forecast at data=1k,model=small: loss "), r.out)
        let command = try XCTUnwrap(r.out.split(separator: "\n").first { $0.hasPrefix("xgraph build ") }, r.out)
        let targets = command.split(separator: " ").dropFirst(3).map(String.init)
        XCTAssertEqual(command.split(separator: " ")[2], "exp.yaml")
        XCTAssertFalse(targets.isEmpty)
        XCTAssertTrue(targets.allSatisfy { $0.hasPrefix("train/data=100/model=small/seed=") }, command.description)
        XCTAssertTrue(r.out.contains("subset/data=100"), "the upstream subset is paid for: \(r.out)")
        // The interval is expected to shrink.
        let widths = try XCTUnwrap(r.out.split(separator: "\n").first { $0.contains(" → ") && $0.contains("train/") }, r.out)
        let parts = widths.split(separator: " ").map(String.init)
        let arrow = try XCTUnwrap(parts.firstIndex(of: "→"))
        XCTAssertLessThan(try XCTUnwrap(Double(parts[arrow + 1])), try XCTUnwrap(Double(parts[arrow - 1])), r.out)

        // Once the runs are built, fit shows what suggest expected beside the real interval.
        let build = try h.run(Array(command.split(separator: " ").dropFirst().map(String.init)))
        XCTAssertEqual(build.status, 0, build.all)
        let fit = try h.run(["fit", "exp.yaml", "--step", "train", "--metric", "loss", "--law", "power", "--replicates", "seed",
                             "--bootstrap", "100", "--at", "data=1k,model=small"])
        XCTAssertEqual(fit.status, 0, fit.all)
        XCTAssertTrue(fit.out.contains("    suggest (") && fit.out.contains(" runs; now ["), fit.out)
    }

    /// A size the grid does not declare (`--sizes`) needs its own upstream runs: named as they
    /// would be (subset/data=200), not as the template's with "at 200" appended.
    func testASizeOutsideTheGridNamesTheUpstreamRunsItWouldNeed() throws {
        let h = try project()
        let r = try h.run(["suggest", "exp.yaml", "--step", "train", "--metric", "loss", "--budget", "100gpu-h",
                           "--target", "data=1k,model=small", "--replicates", "seed", "--bootstrap", "100", "--sizes", "200"])
        XCTAssertEqual(r.status, 0, r.all)
        let line = try XCTUnwrap(r.out.split(separator: "\n").first { $0.contains("train/data=200/model=small/") }, r.out)
        XCTAssertTrue(line.contains(" * "), "marked as outside the grid: \(line)")
        XCTAssertTrue(line.contains("subset/data=200"), String(line))
        XCTAssertFalse(line.contains(" at 200"), String(line))
        // Each replicate of the series can be run at the new size, as in the grid.
        let seeds = r.out.split(separator: "\n").filter { $0.contains("train/data=200/model=small/seed=") }
        for seed in 0..<3 {
            XCTAssertEqual(seeds.filter { $0.contains("seed=\(seed)/") }.count, 1, r.out)
        }
    }

    func testSuggestSaysWhatIsWrong() throws {
        let h = try project()
        let bad = try h.run(["suggest", "exp.yaml", "--step", "train", "--metric", "loss", "--budget", "lots",
                             "--target", "data=1k,model=small"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--budget lots: expected GPU-hours, e.g. 200gpu-h"), bad.err)
        let step = try h.run(["suggest", "exp.yaml", "--step", "trian", "--metric", "loss", "--budget", "1",
                              "--target", "data=1k,model=small"])
        XCTAssertNotEqual(step.status, 0)
        XCTAssertTrue(step.err.contains("no step 'trian'; steps: subset, train"), step.err)
        let none = try h.run(["suggest", "exp.yaml", "--step", "train", "--metric", "loss", "--budget", "1",
                              "--target", "data=1k,model=medium"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.err.contains("no fitted series matches the target"), none.err)
    }
}
