import Foundation
import XCTest

/// `xgraph build` then `xgraph fit --replicates seed` on a study with a seed axis, whose train
/// step writes acc = base + slope·log10(n) + 0.01·(seed − 1), so the fit is known exactly.
final class FitReplicateTests: XCTestCase {
    static let experiment = """
        datasets:
          nums: { path: data.txt, items: 100 }
        subsets:
          d: { dataset: nums, sizes: [10, 30, 100], nested: true, seed: 5 }
        models:
          m:
            capacities:
              small: { base: 0.1, slope: 0.1 }
              big: { base: 0.2, slope: 0.15 }
        steps:
          subset:
            run: builtin:subset
            foreach: { data: subsets.d, seed: [0, 1, 2] }
            inputs: { dataset: datasets.nums }
          train:
            foreach: { data: subsets.d, model: models, seed: [0, 1, 2] }
            inputs: { subset: subset }
            code: [fit.sh]
            command: sh fit.sh {{ inputs.subset }} {{ seed }} {{ model.base }} {{ model.slope }} {{ out }}

        """

    /// `sum` (of the drawn indices) shows whether the seeds drew different subsets.
    static let script = """
        n=$(wc -l < "$1/indices.txt")
        sum=$(awk '{ s += $1 } END { print s }' "$1/indices.txt")
        awk -v n="$n" -v seed="$2" -v base="$3" -v slope="$4" -v sum="$sum" 'BEGIN {
          printf "{\\"acc\\": %.12f, \\"sum\\": %d}\\n", base + slope * log(n) / log(10) + 0.01 * (seed - 1), sum
        }' > "$5/metrics.json"

        """

    func project() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.experiment)
        try h.write("fit.sh", Self.script)
        try h.write("data.txt", Fixtures.data)
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)
        return h
    }

    func testEachSeedDrawsItsOwnSubset() throws {
        let h = try project()
        let r = try h.run(["results", "exp.yaml", "--step", "train", "--where", "model=small", "--pivot", "data,seed",
                           "--metric", "sum", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        let rows = r.out.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.first, ["data", "0", "1", "2"], r.out)
        XCTAssertEqual(rows.count, 4, r.out)
        XCTAssertEqual(Set(rows[1].dropFirst()).count, 3, "three seeds, three draws of 10: \(r.out)")
        XCTAssertEqual(rows[3].dropFirst().first, "4950.0", "size 100 of 100 is every index whatever the seed: \(r.out)")
    }

    func testFitFitsEachSeedWithReplicatesMinusOneDegreesOfFreedomInJSON() throws {
        let h = try project()
        let r = try h.run(["fit", "exp.yaml", "--step", "train", "--metric", "acc", "--replicates", "seed", "--format", "json"])
        XCTAssertEqual(r.status, 0, r.all)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], r.out)
        XCTAssertEqual(doc["replicates"] as? String, "seed")
        let series = try XCTUnwrap(doc["series"] as? [[String: Any]])
        XCTAssertEqual(series.map { ($0["key"] as? [String: String])?["model"] }, ["big", "small"])
        let big = try XCTUnwrap(series[0]["fit"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(big["b"] as? Double), 0.15, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(big["a"] as? Double), 0.2, accuracy: 1e-9)
        XCTAssertEqual(big["df"] as? Int, 2, "3 seeds: one slope each, 2 df (the 9 runs are not 9 independent points)")
        XCTAssertEqual(big["unit"] as? String, "replicates")
        XCTAssertEqual((big["replicate_slopes"] as? [String: Double])?.count, 3)
        XCTAssertNil(big["verdict"] as? String, "an exact line has no bend")
        let next = try XCTUnwrap(big["prediction_10x"] as? [String: Any])
        XCTAssertEqual(next["extrapolated"] as? Bool, true)
        XCTAssertEqual(try XCTUnwrap(next["value"] as? Double), 0.2 + 0.15 * 3, accuracy: 1e-9)
        let sizes = try XCTUnwrap(series[0]["sizes"] as? [[String: Any]])
        XCTAssertEqual(sizes.map { $0["label"] as? String }, ["10", "30", "100"])
        XCTAssertEqual(sizes.map { $0["n"] as? Int }, [3, 3, 3])
        XCTAssertEqual(try XCTUnwrap(sizes[0]["sd"] as? Double), 0.01, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(sizes[0]["mean"] as? Double), 0.35, accuracy: 1e-9)
        let residuals = try XCTUnwrap(series[0]["residuals"] as? [[String: Any]])
        XCTAssertEqual(residuals.count, 9)
        XCTAssertEqual(Set(residuals.compactMap { $0["replicate"] as? String }), ["0", "1", "2"])
        let seg = try XCTUnwrap(big["last_segment"] as? [String: Any])
        XCTAssertEqual(seg["variance"] as? String, "across_replicates")
        XCTAssertEqual(seg["significant"] as? Bool, false)
    }

    func testFitTextShowsUncertaintyMeansAndComparisons() throws {
        let h = try project()
        let r = try h.run(["fit", "exp.yaml", "--step", "train", "--metric", "acc", "--replicates", "seed",
                           "--compare", "model", "--residuals"])
        XCTAssertEqual(r.status, 0, r.all)
        // Every seed's line has slope 0.15 exactly: the SE across seeds is 0, not the rounding
        // noise it was (± 1.602e-17), and both slopes and their difference survive Holm's
        // correction over the family of 3.
        for expected in ["acc = a + b·log10(data), one fit per seed", "b/decade ± se", "0.1500 ± 0 ", "0.1000 ± 0 ", "<0.0001",
                         "family: 2 slope tests (b = 0) and 1 comparison, Holm-corrected", "paired, 2",
                         "extrapolated_10x", "mean ± sd", "0.3500 ± 0.0100", "residuals (value − fitted)",
                         "big − small", "resolved", "docs/results.md"] {
            XCTAssertTrue(r.out.contains(expected), "\(expected) in:\n\(r.out)")
        }
        XCTAssertFalse(r.out.contains("plateau"), r.out)

        // Without --replicates the seeds are series of their own, split like any varying axis.
        let split = try h.run(["fit", "exp.yaml", "--step", "train", "--metric", "acc", "--format", "csv"])
        XCTAssertEqual(split.status, 0, split.all)
        XCTAssertTrue(split.out.hasPrefix("seed,model,n,sizes,a,b_per_decade,b_se,"), split.out)
        XCTAssertEqual(split.out.split(separator: "\n").count, 1 + 6, split.out)
    }

    func testBadReplicateOrCompareAxesAreErrors() throws {
        let h = try project()
        let r = try h.run(["fit", "exp.yaml", "--metric", "acc", "--replicates", "sed"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("sed"), r.err)
        let c = try h.run(["fit", "exp.yaml", "--metric", "acc", "--compare", "seed"])
        XCTAssertNotEqual(c.status, 0)
        XCTAssertTrue(c.err.contains("must be one of the series axes"), c.err)
    }
}
