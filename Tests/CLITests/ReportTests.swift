import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `xgraph report` on a small built study: two capacities × two tasks × two seeds over three
/// data sizes, whose script writes acc = base + slope·log10(n) + 0.01·seed (− 0.1 on the hard
/// task) and loss = 1 − acc, so the plots and fits are known.
final class ReportTests: XCTestCase {
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
            foreach: { data: subsets.d }
            inputs: { dataset: datasets.nums }
          train:
            foreach: { data: subsets.d, model: models, task: [easy, hard], seed: [0, 1] }
            inputs: { subset: subset }
            code: [acc.sh]
            command: sh acc.sh {{ inputs.subset }} {{ seed }} {{ model.base }} {{ model.slope }} {{ task }} {{ out }}

        """

    static let script = """
        n=$(wc -l < "$1/indices.txt")
        awk -v n="$n" -v seed="$2" -v base="$3" -v slope="$4" -v task="$5" 'BEGIN {
          acc = base + slope * log(n) / log(10) + 0.01 * seed - (task == "hard" ? 0.1 : 0)
          printf "{\\"acc\\": %.12f, \\"loss\\": %.12f}\\n", acc, 1 - acc
        }' > "$6/metrics.json"

        """

    static func project(git: Bool = false) throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", experiment)
        try h.write("acc.sh", script)
        try h.write("data.txt", Fixtures.data)
        if git {
            try h.git("init", "-q", "-b", "main")
            try h.write(".gitignore", "cache/\n")
            try h.git("add", ".")
            try h.git("commit", "-q", "-m", "first")
        }
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)
        return h
    }

    /// Each `<svg>…</svg>` of the page, parsed as XML.
    static func svgs(_ html: String) -> [(text: String, doc: XMLElements)] {
        var out: [(String, XMLElements)] = []
        var rest = html[...]
        while let start = rest.range(of: "<svg "), let end = rest.range(of: "</svg>", range: start.upperBound..<rest.endIndex) {
            let text = String(rest[start.lowerBound..<end.upperBound])
            out.append((text, XMLElements(text)))
            rest = rest[end.upperBound...]
        }
        return out
    }

    func report(_ h: CLIHarness, _ args: [String]) throws -> String {
        let r = try h.run(["report"] + args + ["-o", "report.html"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.contains("wrote report.html"), r.out)
        return try h.read("report.html")
    }

    func testPlotsParseWithOneMarkerPerSeriesAndSizeAndFitsMatchFit() throws {
        let h = try Self.project()
        let html = try report(h, ["exp.yaml", "--step", "train", "--replicates", "seed"])
        let plots = Self.svgs(html).filter { $0.text.contains("class=\"plot\"") }
        // acc and loss, each with one panel per task.
        XCTAssertEqual(plots.count, 4, html)
        for plot in plots {
            XCTAssertNil(plot.doc.error, plot.text)
            XCTAssertEqual(plot.doc.withClass("marker").count, 2 * 3, "two capacities × three sizes: \(plot.text)")
            XCTAssertEqual(plot.doc.withClass("errorbar").count, 2 * 3, "two seeds per size: mean ± sd")
            let ticks = plot.doc.withClass("xtick").compactMap { $0.attributes["data-value"].flatMap(Double.init) }
            XCTAssertEqual(ticks, [10, 100], "decades of sizes 10…100")
            XCTAssertTrue(plot.text.contains("data: training examples (log scale)"))
        }
        XCTAssertTrue(html.contains("acc (fraction, 0–1)"), "units on the metric axis")
        XCTAssertTrue(html.contains("class=\"legend\""))
        XCTAssertTrue(html.contains("Every node of the file is built for the current spec."))
        XCTAssertTrue(html.contains("b/decade ± se"), "the fit table")
        XCTAssertTrue(html.contains("acc by data × model"), "the pivot table")
        XCTAssertTrue(html.contains("id=\"timeline\""))
        XCTAssertEqual(Self.svgs(html).filter { $0.text.contains("class=\"timeline\"") }.first?.doc.withClass("bar").count,
                       3 + 24, "every run of the first build has a bar")

        // The fit lines' end points are `fit`'s line at the smallest and largest size.
        let fit = try h.run(["fit", "exp.yaml", "--step", "train", "--metric", "acc", "--replicates", "seed", "--format", "json"])
        XCTAssertEqual(fit.status, 0, fit.all)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fit.out.utf8)) as? [String: Any])
        let series = try XCTUnwrap(doc["series"] as? [[String: Any]])
        XCTAssertEqual(series.count, 4)
        for s in series {
            let key = try XCTUnwrap(s["key"] as? [String: String])
            let f = try XCTUnwrap(s["fit"] as? [String: Any])
            let a = try XCTUnwrap(f["a"] as? Double), b = try XCTUnwrap(f["b"] as? Double)
            let task = try XCTUnwrap(key["task"]), model = try XCTUnwrap(key["model"])
            let plot = try XCTUnwrap(plots.first { $0.text.contains("acc: task=\(task)") }, task)
            let group = try XCTUnwrap(plot.doc.withClass("series").firstIndex { $0.attributes["data-label"] == "model=\(model)" })
            let line = try XCTUnwrap(plot.doc.withClass("fit").filter { $0.attributes["data-x0"] != nil }.dropFirst(group).first)
            XCTAssertEqual(Double(line.attributes["data-x0"] ?? ""), 10)
            XCTAssertEqual(Double(line.attributes["data-x1"] ?? ""), 100)
            XCTAssertEqual(try XCTUnwrap(Double(line.attributes["data-y0"] ?? "")), a + b * 1, accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(Double(line.attributes["data-y1"] ?? "")), a + b * 2, accuracy: 1e-9)
        }
    }

    func testPanelsAndSeriesFollowTheOptions() throws {
        let h = try Self.project()
        // One panel per capacity, a line per task; seeds not pooled become lines too.
        let html = try report(h, ["exp.yaml", "--step", "train", "--metric", "acc", "--panel", "model", "--series", "task"])
        let plots = Self.svgs(html).filter { $0.text.contains("class=\"plot\"") }
        XCTAssertEqual(plots.count, 2)
        XCTAssertEqual(plots[0].doc.withClass("series").count, 4, "task × seed")
        XCTAssertEqual(plots[0].doc.withClass("marker").count, 4 * 3)
        XCTAssertEqual(plots[0].doc.withClass("errorbar").count, 0)
    }

    func testNodesNotBuiltForTheCurrentSpecAreListed() throws {
        let h = try Self.project()
        try h.write("exp.yaml", Self.experiment.replacingOccurrences(
            of: "big: { base: 0.2, slope: 0.15 }", with: "big: { base: 0.2, slope: 0.15 }\n      mid: { base: 0.15, slope: 0.12 }"))
        let html = try report(h, ["exp.yaml", "--step", "train"])
        XCTAssertTrue(html.contains("Not built for the current spec: 12 nodes"), html)
        XCTAssertTrue(html.contains("model=mid"), html)
        XCTAssertTrue(html.contains("(never built)"), html)
        // The plots still show only the current runs: two capacities (seeds, not pooled, get panels).
        let plot = try XCTUnwrap(Self.svgs(html).first { $0.text.contains("class=\"plot\"") })
        XCTAssertEqual(plot.doc.withClass("series").compactMap { $0.attributes["data-label"] }, ["model=big", "model=small"])
    }

    func testDiffDrawsBothCommits() throws {
        let h = try Self.project(git: true)
        try h.write("acc.sh", Self.script.replacingOccurrences(of: "0.01 * seed", with: "0.02 * seed"))
        try h.git("commit", "-q", "-am", "second")
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(build.status, 0, build.all)
        // Edited after the last commit and never built: each side is resolved through the file
        // and code as its commit holds them, so today's script plays no part.
        try h.write("acc.sh", Self.script.replacingOccurrences(of: "0.01 * seed", with: "0.03 * seed"))
        let html = try report(h, ["exp.yaml", "--step", "train", "--metric", "acc", "--replicates", "seed",
                                  "--diff", "HEAD~1", "HEAD"])
        XCTAssertTrue(html.contains("each node&#39;s result as of commit HEAD~1") || html.contains("each node's result as of commit HEAD~1"), html)
        let plots = Self.svgs(html).filter { $0.text.contains("class=\"plot\"") }
        XCTAssertEqual(plots.count, 2)
        for plot in plots {
            XCTAssertNil(plot.doc.error)
            let labels = plot.doc.withClass("series").compactMap { $0.attributes["data-label"] }
            XCTAssertEqual(labels.count, 4, "two capacities at each of two commits")
            XCTAssertEqual(labels.filter { $0.contains("@ HEAD~1") }.count, 2, "\(labels)")
            XCTAssertEqual(labels.filter { $0.contains("@ HEAD (") }.count, 2, "\(labels)")
            XCTAssertEqual(plot.doc.withClass("marker").count, 4 * 3)
        }
        XCTAssertTrue(html.contains("fill=\"#ffffff\""), "the older commit is hollow")
        XCTAssertEqual(html.components(separatedBy: "class=\"commit\"").count - 1, 2, "both commits in the provenance")
    }

    /// Metrics are worked out side by side; the page still lists them in order, and a metric
    /// that cannot be plotted is a note when it was a default and an error when it was named.
    func testAMetricThatCannotBePlottedIsANoteUnlessNamed() throws {
        let h = try Self.project()
        let html = try report(h, ["exp.yaml", "--step", "train", "--size-axis", "seed"])
        let acc = try XCTUnwrap(html.range(of: "acc is not plotted"), html)
        let loss = try XCTUnwrap(html.range(of: "loss is not plotted"), html)
        XCTAssertTrue(acc.lowerBound < loss.lowerBound, "notes in metric order")
        XCTAssertTrue(html.contains("seed=0 is not a positive data size"), html)
        let named = try h.run(["report", "exp.yaml", "--step", "train", "--size-axis", "seed", "--metric", "loss", "-o", "named.html"])
        XCTAssertNotEqual(named.status, 0)
        XCTAssertTrue(named.err.contains("seed=0 is not a positive data size"), named.err)
    }

    func testBadNamesAreErrorsNamingTheValidOnes() throws {
        let h = try Self.project()
        let metric = try h.run(["report", "exp.yaml", "--metric", "accuracy"])
        XCTAssertNotEqual(metric.status, 0)
        XCTAssertTrue(metric.err.contains("unknown metric 'accuracy'") && metric.err.contains("acc") && metric.err.contains("loss"), metric.err)
        let axis = try h.run(["report", "exp.yaml", "--series", "modle"])
        XCTAssertNotEqual(axis.status, 0)
        XCTAssertTrue(axis.err.contains("--series: unknown axis 'modle'") && axis.err.contains("model"), axis.err)
        let step = try h.run(["report", "exp.yaml", "--step", "tran"])
        XCTAssertNotEqual(step.status, 0)
        XCTAssertTrue(step.err.contains("no results of step 'tran'") && step.err.contains("train"), step.err)
        let diff = try h.run(["report", "--diff", "HEAD"])
        XCTAssertNotEqual(diff.status, 0)
        XCTAssertTrue(diff.err.contains("--diff takes two commits"), diff.err)
    }
}
