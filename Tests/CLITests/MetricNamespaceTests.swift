import Foundation
import XCTest

/// Metrics, axes and xgraph's own columns are separate namespaces: a metric named
/// like an axis (`epochs`, `data`) or a column (`duration_s`, `status`, `commit`, `node`) never
/// replaces it, and no output prints two columns under one header.
final class MetricNamespaceTests: XCTestCase {
    /// One step over a data axis and an `epochs` axis, whose metrics reuse every name a row has.
    static let experiment = """
        steps:
          train:
            foreach: { data: [10, 100, 1000], epochs: [10] }
            command: sh m.sh {{ data }} {{ out }}

        """

    static let script = """
        awk -v n="$1" 'BEGIN {
          printf "{\\"epochs\\": 7, \\"data\\": %d, \\"duration_s\\": 123, \\"status\\": 1, \\"commit\\": 2, \\"node\\": 3, \\"acc\\": %.12f}\\n", n * 2, 0.1 + 0.1 * log(n) / log(10)
        }' > "$2/metrics.json"

        """

    static func project() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", experiment)
        try h.write("m.sh", script)
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)
        return h
    }

    static func json(_ h: CLIHarness, _ args: [String]) throws -> [[String: Any]] {
        let r = try h.run(args + ["--format", "json"])
        XCTAssertEqual(r.status, 0, r.all)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]], r.out)
    }

    func testAMetricNamedLikeAnAxisOrAColumnKeepsItsOwnValueInJSON() throws {
        let h = try Self.project()
        for extra in [[], ["--metric", "epochs,duration_s,status,commit,node"]] {
            let rows = try Self.json(h, ["results", "exp.yaml"] + extra)
            XCTAssertEqual(rows.count, 3, "\(rows)")
            let row = try XCTUnwrap(rows.first { $0["node"] as? String == "train/data=10/epochs=10" }, "\(rows)")
            let axes = try XCTUnwrap(row["axes"] as? [String: Any], "\(row)")
            let metrics = try XCTUnwrap(row["metrics"] as? [String: Any], "\(row)")
            let run = try XCTUnwrap(row["run"] as? [String: Any], "\(row)")
            XCTAssertEqual(axes["epochs"] as? String, "10", "\(row)")
            XCTAssertEqual(axes["data"] as? String, "10", "\(row)")
            XCTAssertEqual(metrics["epochs"] as? Double, 7, "\(row)")
            XCTAssertEqual(metrics["duration_s"] as? Double, 123, "\(row)")
            XCTAssertEqual(metrics["status"] as? Double, 1, "\(row)")
            XCTAssertEqual(metrics["commit"] as? Double, 2, "\(row)")
            XCTAssertEqual(metrics["node"] as? Double, 3, "\(row)")
            XCTAssertEqual(run["status"] as? String, "current", "\(row)")
            let seconds = try XCTUnwrap(run["duration_s"] as? Double, "\(row)")
            XCTAssertLessThan(seconds, 100, "the real run time, not the metric: \(row)")
            XCTAssertTrue(run.keys.contains("commit"), "\(row)")
        }
    }

    func testAMetricNamedLikeAnAxisOrAColumnGetsItsOwnHeaderInCSVAndTables() throws {
        let h = try Self.project()
        let csv = try h.run(["results", "exp.yaml", "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.all)
        let lines = csv.out.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try XCTUnwrap(lines.first)
        XCTAssertEqual(Set(header).count, header.count, "headers are unique: \(header)")
        for name in ["node", "data", "epochs", "commit", "duration_s", "status", "acc"] {
            XCTAssertTrue(header.contains(name), "\(name) in \(header)")
        }
        for name in ["epochs", "data", "duration_s", "status", "commit", "node"] {
            XCTAssertTrue(header.contains("metric:" + name), "metric:\(name) in \(header)")
        }
        let row = try XCTUnwrap(lines.first { $0.first == "train/data=10/epochs=10" })
        func cell(_ name: String) -> String? { header.firstIndex(of: name).map { row[$0] } }
        XCTAssertEqual(cell("epochs"), "10")
        XCTAssertEqual(cell("metric:epochs"), "7.0")
        XCTAssertEqual(cell("data"), "10")
        XCTAssertEqual(cell("metric:data"), "20.0")
        XCTAssertEqual(cell("metric:duration_s"), "123.0")
        XCTAssertEqual(cell("status"), "current")

        let table = try h.run(["results", "exp.yaml"])
        XCTAssertEqual(table.status, 0, table.all)
        let words = try XCTUnwrap(table.out.split(separator: "\n").first).split(separator: " ").map(String.init)
        XCTAssertEqual(Set(words).count, words.count, "headers are unique: \(words)")
        XCTAssertTrue(words.contains("metric:epochs"), "\(words)")
    }

    /// A pivot by an axis of a metric of the same name, and a `--where` on the axis.
    func testAPivotAndAFilterOnANameThatIsBothAnAxisAndAMetric() throws {
        let h = try Self.project()
        let pivot = try h.run(["results", "exp.yaml", "--pivot", "epochs", "--metric", "epochs", "--where", "data=10", "--format", "csv"])
        XCTAssertEqual(pivot.status, 0, pivot.all)
        XCTAssertEqual(pivot.out.split(separator: "\n").map(String.init), ["epochs,metric:epochs", "10,7.0"], pivot.out)

        let rows = try Self.json(h, ["results", "exp.yaml", "--pivot", "data", "--metric", "data"])
        XCTAssertEqual(rows.count, 3, "\(rows)")
        let first = try XCTUnwrap(rows.first)
        XCTAssertEqual((first["axes"] as? [String: Any])?["data"] as? String, "10", "\(first)")
        XCTAssertEqual((first["cells"] as? [String: Any])?["data"] as? Double, 20, "\(first)")

        let filtered = try Self.json(h, ["results", "exp.yaml", "--where", "data=100"])
        XCTAssertEqual(filtered.map { $0["node"] as? String }, ["train/data=100/epochs=10"], "--where filters on the axis")
    }

    /// `fit --metric data` fits the metric, against the axis of the same name.
    func testFitAndReportChooseMetricsFromTheMetricsOnly() throws {
        let h = try Self.project()
        let fit = try h.run(["fit", "exp.yaml", "--metric", "data", "--series", "epochs", "--format", "json"])
        XCTAssertEqual(fit.status, 0, fit.all)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fit.out.utf8)) as? [String: Any])
        let series = try XCTUnwrap((doc["series"] as? [[String: Any]])?.first, fit.out)
        let sizes = try XCTUnwrap(series["sizes"] as? [[String: Any]], fit.out)
        XCTAssertEqual(sizes.map { $0["mean"] as? Double }, [20, 200, 2000], fit.out)

        // Every metric is plotted, those named like an axis or a column included.
        let report = try h.run(["report", "exp.yaml", "-o", "report.html", "--series", "epochs"])
        XCTAssertEqual(report.status, 0, report.all)
        let html = try h.read("report.html")
        for metric in ["acc", "epochs", "data", "duration_s", "status", "commit", "node"] {
            XCTAssertTrue(html.contains("<h3>\(metric)</h3>"), "\(metric) plotted")
        }
    }
}

/// Training steps are a common axis: `step` as an axis beside the step a pivot splits by.
final class StepAxisTests: XCTestCase {
    func testAnAxisNamedStepKeepsItsNameBesideThePivotsStepColumn() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              train:
                foreach: { step: [100, 200] }
                command: |
                  echo '{"acc": 0.5, "step": 3}' > {{ out }}/metrics.json
              eval:
                foreach: { step: [100, 200] }
                command: |
                  echo '{"acc": 0.6}' > {{ out }}/metrics.json

            """)
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)
        let pivot = try h.run(["results", "exp.yaml", "--pivot", "step", "--metric", "acc", "--format", "csv"])
        XCTAssertEqual(pivot.status, 0, pivot.all)
        XCTAssertEqual(pivot.out.split(separator: "\n").map(String.init),
                       ["run:step,step,acc", "eval,100,0.6", "eval,200,0.6", "train,100,0.5", "train,200,0.5"], pivot.out)
        let json = try MetricNamespaceTests.json(h, ["results", "exp.yaml", "--pivot", "step", "--metric", "acc"])
        XCTAssertEqual(json.first?["step"] as? String, "eval", "\(json)")
        XCTAssertEqual((json.first?["axes"] as? [String: Any])?["step"] as? String, "100", "\(json)")

        let table = try MetricNamespaceTests.json(h, ["results", "exp.yaml", "--step", "train", "--metric", "step"])
        XCTAssertEqual(table.compactMap { ($0["metrics"] as? [String: Any])?["step"] as? Double }, [3, 3], "\(table)")
    }
}
