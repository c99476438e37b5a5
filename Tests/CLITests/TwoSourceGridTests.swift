import Foundation
import XCTest

/// End to end: subsets of two datasets at the same sizes in one grid. Each dataset
/// file's lines carry its name and the datasets differ in item count, so a step can tell which
/// dataset a subset was drawn from (`items` in its subset.json) and whether the indices pick
/// lines of its own dataset (`own`).
final class TwoSourceGridTests: XCTestCase {
    static let experiment = #"""
        datasets:
          jft:  { path: jft.txt, items: 40 }
          inet: { path: inet.txt, items: 25 }
        subsets:
          jft:  { dataset: jft, sizes: [5, 20], seed: 1 }
          inet: { dataset: inet, sizes: [5, 20], seed: 2 }
        steps:
          subset:
            run: builtin:subset
            foreach: { source: datasets, data: source.subsets }
            inputs: { dataset: "datasets.{{ source }}" }
          pretrain:
            foreach: { source: datasets, data: source.subsets }
            inputs: { subset: subset, items: "datasets.{{ source }}" }
            command: |
              n=$(wc -l < {{ inputs.subset }}/indices.txt)
              own=$(awk 'NR == FNR { want[$1] = 1; next } ((FNR - 1) in want) && $1 == src' src={{ source }} {{ inputs.subset }}/indices.txt {{ inputs.items }} | wc -l)
              items=$(sed 's/.*"items":\([0-9]*\).*/\1/' {{ inputs.subset }}/subset.json)
              printf '{"n": %d, "own": %d, "items": %d}\n' $n $own $items > {{ out }}/metrics.json
          nesting:
            foreach: { source: datasets }
            inputs:
              small: { step: subset, where: { data: 5 } }
              large: { step: subset, where: { data: 20 } }
            command: |
              inside=$(awk 'NR == FNR { large[$1] = 1; next } $1 in large' {{ inputs.large }}/indices.txt {{ inputs.small }}/indices.txt | wc -l)
              printf '{"inside": %d}\n' $inside > {{ out }}/metrics.json

        """#

    func project() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", TwoSourceGridTests.experiment)
        try h.write("jft.txt", (0..<40).map { "jft \($0)\n" }.joined())
        try h.write("inet.txt", (0..<25).map { "inet \($0)\n" }.joined())
        return h
    }

    /// `results --pivot source,data --metric M --format csv` as row label → column label → value.
    func pivot(_ h: CLIHarness, step: String, axes: String, metric: String) throws -> [String: [String: String]] {
        let r = try h.run(["results", "exp.yaml", "--step", step, "--pivot", axes, "--metric", metric, "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        let lines = r.out.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [:] }
        var table: [String: [String: String]] = [:]
        for row in lines.dropFirst() {
            table[row[0]] = Dictionary(uniqueKeysWithValues: zip(header.dropFirst(), row.dropFirst()))
        }
        return table
    }

    func testEachPretrainNodeReadsTheSubsetOfItsOwnDatasetAndDrawsNestPerDataset() throws {
        let h = try project()
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)

        // The keys are stable: nothing runs twice (the part cache once mixed the datasets up).
        let again = try h.run(["build", "exp.yaml"])
        XCTAssertTrue(again.all.contains("nothing to do: all 12 nodes up to date"), again.all)

        let plan = try h.run(["plan", "exp.yaml"])
        XCTAssertTrue(plan.all.contains("pretrain/source=inet/data=20"), plan.all)

        // Subsets of 40 items for JFT, 25 for ImageNet: each node read its own dataset's draw.
        XCTAssertEqual(try pivot(h, step: "pretrain", axes: "source,data", metric: "items"),
                       ["jft": ["5": "40.0", "20": "40.0"], "inet": ["5": "25.0", "20": "25.0"]])
        // Every index picked a line of the node's own dataset file.
        XCTAssertEqual(try pivot(h, step: "pretrain", axes: "source,data", metric: "own"),
                       ["jft": ["5": "5.0", "20": "20.0"], "inet": ["5": "5.0", "20": "20.0"]])

        // The 5-item draw of each dataset lies inside the 20-item draw of the same dataset.
        let nesting = try h.run(["results", "exp.yaml", "--step", "nesting", "--format", "json"])
        XCTAssertEqual(nesting.status, 0, nesting.all)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(nesting.out.utf8)) as? [[String: Any]], nesting.out)
        XCTAssertEqual(rows.count, 2, nesting.out)
        XCTAssertTrue(nesting.out.contains("nesting/source=jft") && nesting.out.contains("nesting/source=inet"), nesting.out)
        for row in rows { XCTAssertEqual(((row["metrics"] as? [String: Any])?["inside"] as? NSNumber)?.intValue, 5, "\(row)") }
    }
}
