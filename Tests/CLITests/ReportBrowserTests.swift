import Foundation
import XCTest

/// Renders a demo-shaped report (capacities × tasks × modes over log-spaced sizes) in a real
/// browser: Debian's headless Chromium, which `make deps` installs. Skipped, saying why, where
/// it is not installed.
final class ReportBrowserTests: XCTestCase {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Like `make demo`'s study, with a shell step: three capacities, two tasks, two modes.
    static let experiment = """
        datasets:
          nums: { path: data.txt, items: 100 }
        subsets:
          d: { dataset: nums, sizes: [3, 10, 30, 100], nested: true, seed: 5 }
        models:
          mlp:
            capacities:
              small: { base: 0.3, slope: 0.08 }
              medium: { base: 0.35, slope: 0.1 }
              large: { base: 0.4, slope: 0.12 }
        tasks:
          fine: { shift: 0 }
          coarse: { shift: 0.15 }
        steps:
          subset:
            run: builtin:subset
            foreach: { data: subsets.d }
            inputs: { dataset: datasets.nums }
          transfer:
            foreach: { data: subsets.d, model: models.mlp, task: tasks, mode: [frozen, finetune] }
            inputs: { subset: subset }
            command: |
              n=$(wc -l < {{ inputs.subset }}/indices.txt)
              awk -v n="$n" 'BEGIN { printf "{\\"accuracy\\": %.6f}\\n", {{ model.base }} + {{ task.shift }} + {{ model.slope }} * log(n) / log(10) }' > {{ out }}/metrics.json

        """

    /// Runs chromium as the harness's user, with its profile in the project folder and every
    /// network path closed: names resolve to nothing and the proxy is a port nobody listens on.
    func chromium(_ h: CLIHarness, _ binary: String, _ args: [String]) throws -> CLIHarness.Result {
        try h.run(executable: binary, [
            "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-dev-shm-usage",
            "--user-data-dir=\(h.dir.path)/chromium-profile", "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=http://127.0.0.1:9", "--disable-background-networking", "--disable-component-update",
        ] + args, env: ["HOME": h.dir.path])
    }

    func testDemoShapedReportRendersInHeadlessChromium() throws {
        guard let binary = Self.chromium else {
            throw XCTSkip("chromium is not installed (apt-get install chromium; `make deps` does it)")
        }
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.experiment)
        try h.write("data.txt", Fixtures.data)
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let r = try h.run(["report", "exp.yaml", "--step", "transfer", "--series", "model", "-o", "report.html"])
        XCTAssertEqual(r.status, 0, r.all)
        let html = try h.read("report.html")

        // Nothing outside the file: no URL but the SVG namespace name, no src, no url(), no import.
        let outside = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        for reference in ["http://", "https://", "src=", "url(", "@import", "<script", "<link", "//fonts"] {
            XCTAssertFalse(outside.lowercased().contains(reference), "the report refers to something outside it: \(reference)")
        }

        let page = "file://" + h.dir.appendingPathComponent("report.html").path
        let dom = try chromium(h, binary, ["--dump-dom", page])
        XCTAssertEqual(dom.status, 0, dom.err)
        // One panel per (task, mode): 2 × 2.
        XCTAssertEqual(dom.out.components(separatedBy: "<figure class=\"panel\">").count - 1, 4, dom.out.prefix(2000).description)
        XCTAssertTrue(dom.out.contains("class=\"timeline\""))

        try h.write("blank.html", "<!DOCTYPE html><html><body style=\"background:#fff\"></body></html>\n")
        for (name, url) in [("report.png", page), ("blank.png", "file://" + h.dir.appendingPathComponent("blank.html").path)] {
            let shot = try chromium(h, binary, ["--screenshot=\(h.dir.path)/\(name)", "--window-size=1280,1600",
                                                "--hide-scrollbars", url])
            XCTAssertEqual(shot.status, 0, shot.err)
        }
        let png = try Data(contentsOf: h.dir.appendingPathComponent("report.png"))
        let blank = try Data(contentsOf: h.dir.appendingPathComponent("blank.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
        // An all-white page of the same size compresses to almost nothing; plots and text do not.
        XCTAssertNotEqual(png, blank)
        XCTAssertGreaterThan(png.count, 4 * blank.count, "report.png \(png.count) bytes, all-white \(blank.count) bytes")
        // Keep the picture for a human to look at when asked.
        if let keep = ProcessInfo.processInfo.environment["XGRAPH_REPORT_PNG"], !keep.isEmpty {
            try? png.write(to: URL(fileURLWithPath: keep))
        }
    }
}
