import Foundation
import XCTest

/// `--sql` reads every run of the store; with an experiment file it also offers the view
/// `current` of the file's current runs, and it says what it ignores.
final class CurrentSQLTests: XCTestCase {
    /// Two specs built (lr 0.1, then 0.05): `runs` holds both, `current` only the second.
    func testAnAverageOverTheCurrentViewDoesNotPoolEarlierSpecs() throws {
        let h = try CurrentResultsTests.project(lr: "0.1")
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("exp.yaml", CurrentResultsTests.experiment(lr: "0.05"))
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)

        let pooled = try h.run(["results", "exp.yaml", "--format", "csv", "--sql",
                                "SELECT avg(m.value) AS lr FROM runs r JOIN metrics m ON m.key = r.key AND m.name = 'lr' WHERE r.step = 'train'"])
        XCTAssertEqual(pooled.status, 0, pooled.all)
        XCTAssertEqual(pooled.out, "lr\n0.075\n", pooled.all)
        XCTAssertTrue(pooled.err.contains("--sql reads every run in the store") && pooled.err.contains("view `current`"), pooled.err)

        let current = try h.run(["results", "exp.yaml", "--format", "csv", "--sql",
                                 "SELECT avg(m.value) AS lr, count(*) AS n FROM current c JOIN metrics m ON m.key = c.key AND m.name = 'lr' WHERE c.step = 'train'"])
        XCTAssertEqual(current.status, 0, current.all)
        XCTAssertEqual(current.out, "lr,n\n0.05,2\n", current.all)
        XCTAssertEqual(current.err, "", "no note when the statement reads current")

        let nodes = try h.run(["results", "exp.yaml", "--format", "csv", "--sql",
                               "SELECT count(*) AS n, count(key) AS keyed FROM current_nodes"])
        XCTAssertEqual(nodes.out, "n,keyed\n4,4\n", nodes.all)
    }

    func testSQLWarnsThatItIgnoresStepAndWhereAndNeedsAFileForCurrent() throws {
        let h = try CurrentResultsTests.project(lr: "0.1")
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let r = try h.run(["results", "--step", "train", "--where", "seed=1", "--sql", "SELECT count(*) AS n FROM runs", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(r.out, "n\n4\n", r.all)
        XCTAssertTrue(r.err.contains("warning: --sql ignores --step, --where"), r.err)

        let noFile = try h.run(["results", "--sql", "SELECT count(*) FROM current"])
        XCTAssertNotEqual(noFile.status, 0, noFile.all)
        XCTAssertTrue(noFile.err.contains("no such table: current") && noFile.err.contains("needs an experiment file"), noFile.err)
    }
}
