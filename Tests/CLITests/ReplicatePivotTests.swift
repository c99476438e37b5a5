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

    /// Seeds that all give the same number: a cell's SD is exactly 0, never the rounding noise
    /// of (x + x + x)/3 ≠ x (it printed `0.2000 ± 1.7e-17`). Here acc ignores the seed, and 0.2
    /// (data 10, small) is such a value: 0.2 + 0.2 + 0.2 = 0.6000000000000001.
    func testIdenticalReplicatesHaveAnSDOfExactlyZeroNotRoundingNoise() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", FitReplicateTests.experiment)
        try h.write("fit.sh", FitReplicateTests.script.replacingOccurrences(of: "0.01 * (seed - 1)", with: "0 * seed"))
        try h.write("data.txt", Fixtures.data)
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)

        let text = try h.run(Self.args)
        XCTAssertEqual(text.status, 0, text.all)
        XCTAssertTrue(text.out.contains("0.2000 ± 0 (n=3)"), text.out)
        XCTAssertFalse(text.out.contains("e-1"), "no float noise in any cell: \(text.out)")

        let csv = try h.run(Self.args + ["--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.all)
        let rows = csv.out.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        for row in rows.dropFirst() {
            XCTAssertEqual(Double(row[2]), 0, "big sd: \(csv.out)")
            XCTAssertEqual(Double(row[5]), 0, "small sd: \(csv.out)")
        }
        let ten = try XCTUnwrap(rows.first { $0.first == "10" }, csv.out)
        XCTAssertEqual(Double(ten[4]), 0.2, "the mean of three 0.2s is 0.2 exactly: \(csv.out)")

        let json = try h.run(Self.args + ["--format", "json"])
        let objects = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]], json.out)
        for object in objects {
            for (_, cell) in try XCTUnwrap(object["cells"] as? [String: Any]) {
                XCTAssertEqual((cell as? [String: Any])?["sd"] as? Double, 0, json.out)
            }
        }

        // The fit's per-size table reads the same statistics.
        let fit = try h.run(["fit", "exp.yaml", "--step", "train", "--metric", "acc", "--replicates", "seed"])
        XCTAssertEqual(fit.status, 0, fit.all)
        let sizes = fit.out.components(separatedBy: "per data: mean ± sd over seed").last ?? ""
        XCTAssertTrue(sizes.contains("0.2000 ± 0"), fit.out)
        XCTAssertFalse(sizes.contains("e-1"), fit.out)
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
