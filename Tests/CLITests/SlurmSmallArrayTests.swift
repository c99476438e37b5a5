import Foundation
import XCTest

/// A cluster whose `MaxArraySize` is 5: a head splits its arrays to fit.
final class SlurmSmallArrayTests: SlurmTestCase {
    override class var maxArraySize: Int? { 5 }

    func testArraysAreSplitAtTheClustersMaxArraySize() throws {
        let h = try CLIHarness()
        try h.write("m.yaml", """
            executor: { slurm: { max_running: 2 } }
            steps:
              m:
                foreach: { i: [\((1...12).map(String.init).joined(separator: ", "))] }
                command: echo {{ i }} > {{ out }}/v.txt

            """)
        let sbatch = try SbatchWrapper(h)
        let r = try h.run(["build", "m.yaml", "--executor", "slurm", "--store", "s"], env: sbatch.environment())
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try h.keys("s").count, 12)
        let arrays = try sbatch.arrays()
        XCTAssertGreaterThanOrEqual(arrays.count, 3, "\(arrays)")
        for a in arrays {
            // The file's max_running is each array's throttle.
            XCTAssertTrue(a.hasSuffix("%2"), "\(arrays)")
            // 0-4%2: indices from 0 to at most MaxArraySize - 1.
            let last = Int(a.split(separator: "-").last?.split(separator: "%").first ?? "") ?? 99
            XCTAssertLessThan(last, 5, "an array beyond MaxArraySize: \(arrays)")
        }
    }

    /// A task's units line cannot hold a line break (here in the store's path, which every
    /// runner command names): such nodes go out as jobs of their own. A line break in the
    /// experiment file's name does not matter: jobs run node descriptions and never name it.
    func testNodesWhoseCommandHoldsALineBreakGoOutAlone() throws {
        let h = try CLIHarness()
        let yaml = """
            steps:
              n:
                foreach: { i: [1, 2, 3] }
                command: echo {{ i }} > {{ out }}/v.txt

            """
        let sbatch = try SbatchWrapper(h)
        let file = "two\nlines.yaml"
        try h.write(file, yaml)
        let named = try h.run(["build", file, "--executor", "slurm", "--store", "s"], env: sbatch.environment())
        XCTAssertEqual(named.status, 0, named.all)
        XCTAssertEqual(try sbatch.counts(), ["xg:n[3]": 1], "nodes of a file with a line break in its name went out alone")
        XCTAssertEqual(try h.keys("s").count, 3)

        try h.write("l.yaml", yaml)
        let store = "two\nlines"
        let r = try h.run(["build", "l.yaml", "--executor", "slurm", "--store", store], env: sbatch.environment())
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try sbatch.counts(), ["xg:n[3]": 1, "xg:n/i=1": 1, "xg:n/i=2": 1, "xg:n/i=3": 1])
        XCTAssertEqual(try h.keys(store).count, 3)
    }

    /// With arrays turned off every node is a job of its own, named after it.
    func testArraysOffSubmitsOneJobPerNode() throws {
        let h = try CLIHarness()
        try h.write("o.yaml", """
            steps:
              o:
                foreach: { i: [1, 2, 3] }
                command: echo {{ i }} > {{ out }}/v.txt

            """)
        let sbatch = try SbatchWrapper(h)
        let r = try h.run(["build", "o.yaml", "--executor", "slurm", "--store", "s", "--slurm-arrays", "off"], env: sbatch.environment())
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try sbatch.counts(), ["xg:o/i=1": 1, "xg:o/i=2": 1, "xg:o/i=3": 1])
        XCTAssertEqual(try sbatch.arrays(), [])
        let bad = try h.run(["build", "o.yaml", "--executor", "slurm", "--store", "s", "--slurm-arrays", "maybe"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--slurm-arrays maybe: expected on or off"), bad.all)
    }
}
