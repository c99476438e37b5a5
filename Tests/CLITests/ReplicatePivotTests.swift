import Foundation
import XCTest

/// `results --pivot data,model --replicates seed`: each cell is the mean ± sd (n) of the seeds'
/// runs, as a W&B "group by" shows it. The study of FitReplicateTests writes
/// acc = base + slope·log10(n) + 0.01·(seed − 1), so each cell's mean is the seed-1 value and
/// its sd is 0.01.
final class ReplicatePivotTests: XCTestCase {
    static func project() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", FitReplicateTests.experiment)
        try h.write("fit.sh", FitReplicateTests.script)
        try h.write("data.txt", Fixtures.data)
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)
        return h
    }

    static let args = ["results", "exp.yaml", "--step", "train", "--pivot", "data,model", "--metric", "acc", "--replicates", "seed"]

    func testAReplicatePivotShowsMeanSDAndNPerCellInTextCSVAndJSON() throws {
        let h = try Self.project()

        let text = try h.run(Self.args)
        XCTAssertEqual(text.status, 0, text.all)
        let lines = text.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "acc by data × model, mean ± sd (n) over seed", text.out)
        XCTAssertTrue(lines.contains { $0.hasPrefix("data ") && $0.contains("big") && $0.contains("small") && !$0.contains("seed") }, text.out)
        XCTAssertTrue(lines.contains { $0.hasPrefix("10 ") && $0.contains("0.3500 ± 0.0100 (n=3)") && $0.contains("0.2000 ± 0.0100 (n=3)") }, text.out)

        let csv = try h.run(Self.args + ["--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.all)
        let rows = csv.out.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.first, ["data", "big mean", "big sd", "big n", "small mean", "small sd", "small n"], csv.out)
        let ten = try XCTUnwrap(rows.first { $0.first == "10" }, csv.out)
        assertClose(ten.dropFirst().map { Double($0) ?? .nan }, [0.35, 0.01, 3, 0.2, 0.01, 3])
        XCTAssertEqual(rows.count, 4, "one row per data size, no seed split: \(csv.out)")

        let json = try h.run(Self.args + ["--format", "json"])
        XCTAssertEqual(json.status, 0, json.all)
        let objects = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]], json.out)
        let first = try XCTUnwrap(objects.first)
        XCTAssertEqual((first["axes"] as? [String: Any])?["data"] as? String, "10", json.out)
        let small = try XCTUnwrap((first["cells"] as? [String: Any])?["small"] as? [String: Any], json.out)
        XCTAssertEqual(small["mean"] as? Double ?? .nan, 0.2, accuracy: 1e-9)
        XCTAssertEqual(small["sd"] as? Double ?? .nan, 0.01, accuracy: 1e-9)
        XCTAssertEqual((small["n"] as? NSNumber)?.intValue, 3)
    }

    func testReplicatesNeedAPivotAndMustNotBeOneOfItsAxes() throws {
        let h = try Self.project()
        let noPivot = try h.run(["results", "exp.yaml", "--metric", "acc", "--replicates", "seed"])
        XCTAssertNotEqual(noPivot.status, 0)
        XCTAssertTrue(noPivot.err.contains("give --pivot too"), noPivot.err)
        let both = try h.run(["results", "exp.yaml", "--step", "train", "--pivot", "data,seed", "--metric", "acc", "--replicates", "seed"])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.err.contains("--replicates seed is also a --pivot axis"), both.err)
        let typo = try h.run(["results", "exp.yaml", "--step", "train", "--pivot", "data", "--metric", "acc", "--replicates", "sed"])
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.err.contains("--replicates: unknown axis 'sed'"), typo.err)
    }
}

private func assertClose(_ a: [Double], _ b: [Double], accuracy: Double = 1e-9, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(a) vs \(b)", file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, "\(a) vs \(b)", file: file, line: line) }
}
