import Foundation
import XCTest

/// One node's metrics.json or params can never make another node's results unreadable or
/// silently replace a number: names that flatten alike, keys written twice, names that differ
/// only in their Unicode form and non-JSON numbers fail the step (or the file, at load time)
/// with both spellings named; a record the index cannot take is skipped with a warning, reported
/// by `verify`, and set aside by `verify --repair`.
final class MetricNameTests: XCTestCase {
    static let spec = """
        steps:
          ok:
            command: cp ok.json {{ out }}/metrics.json
          m:
            command: cp m.json {{ out }}/metrics.json

        """

    private func buildWithMetrics(_ json: String) throws -> (CLIHarness, CLIHarness.Result) {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.spec)
        try h.write("m.json", json)
        try h.write("ok.json", #"{"loss": 1}"#)
        return (h, try h.run(["build", "exp.yaml", "-k"]))
    }

    private func assertOtherResultsStillReadable(_ h: CLIHarness, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try h.run(["results", "exp.yaml", "--step", "ok"])
        XCTAssertEqual(r.status, 0, r.all, file: file, line: line)
        XCTAssertTrue(r.out.contains("ok"), r.all, file: file, line: line)
    }

    func testMetricsThatFlattenToOneNameFailTheStepNamingBothSpellings() throws {
        let (h, build) = try buildWithMetrics(#"{"val.loss": 5, "val": {"loss": 1}}"#)
        XCTAssertNotEqual(build.status, 0, build.all)
        XCTAssertTrue(build.all.contains(#""val.loss""#) && build.all.contains(#""val" → "loss""#), build.all)
        try assertOtherResultsStillReadable(h)
        let verify = try h.run(["verify"])
        XCTAssertEqual(verify.status, 0, verify.all)
    }

    func testAKeyWrittenTwiceInMetricsJSONIsRefused() throws {
        let (h, build) = try buildWithMetrics(#"{"acc": 0.1, "acc": 0.9}"#)
        XCTAssertNotEqual(build.status, 0, build.all)
        XCTAssertTrue(build.all.contains(#"the key "acc" twice"#), build.all)
        try assertOtherResultsStillReadable(h)
    }

    func testMetricNamesThatDifferOnlyInUnicodeFormAreRefusedNotMerged() throws {
        // "\u00e9" (NFC) and "e\u0301" (NFD): Swift's String equality merges them, so one value
        // would be lost without a word.
        let (_, build) = try buildWithMetrics("{\"caf\u{00E9}\": 1, \"cafe\u{0301}\": 2}")
        XCTAssertNotEqual(build.status, 0, build.all)
        XCTAssertTrue(build.all.contains("Unicode form"), build.all)
        XCTAssertTrue(build.all.contains("U+00E9") && build.all.contains("U+0301"), build.all)
    }

    /// SQLite stores "a\u0000b" as "a": such names would merge in the index (found by the
    /// metrics fuzzer: `{"\u0000": 1, "": "text"}`).
    func testAMetricNameWithAControlCharacterIsRefused() throws {
        let (h, build) = try buildWithMetrics(#"{"\u0000": 1, "": 2}"#)
        XCTAssertNotEqual(build.status, 0, build.all)
        XCTAssertTrue(build.all.contains("contains a control character (U+0000)"), build.all)
        try assertOtherResultsStillReadable(h)
    }

    func testADivergedRunsNaNNamesTheKeyAndSuggestsNull() throws {
        let (_, build) = try buildWithMetrics(#"{"acc": 0.5, "val": {"loss": NaN}}"#)
        XCTAssertNotEqual(build.status, 0, build.all)
        XCTAssertTrue(build.all.contains(#"NaN or Infinity at "val" → "loss""#), build.all)
        XCTAssertTrue(build.all.contains("write null"), build.all)
    }

    func testANullMetricIsLeftOutOfResults() throws {
        let (h, build) = try buildWithMetrics(#"{"acc": 0.5, "loss": null}"#)
        XCTAssertEqual(build.status, 0, build.all)
        let r = try h.run(["results", "exp.yaml", "--step", "m", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.contains("0.5"), r.out)
        XCTAssertFalse(r.out.contains("loss"), r.out)
    }

    func testNestingDeeperThanAnyMetricsFileNeedsIsRefusedWithoutCrashing() throws {
        let (h, build) = try buildWithMetrics(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        XCTAssertNotEqual(build.status, 0, build.all)
        XCTAssertTrue(build.all.contains("more than 256 deep"), build.all)
        try assertOtherResultsStillReadable(h)
    }

    func testParamsThatFlattenToOneNameAreRefusedAtTheirStep() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              train:
                params: { "opt.lr": 1, opt: { lr: 2 } }
                command: echo {{ params.opt.lr }} > {{ out }}/x

            """)
        let r = try h.run(["plan", "exp.yaml"])
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.err.contains("exp.yaml:2:3"), r.err)
        XCTAssertTrue(r.err.contains("param name 'opt.lr'"), r.err)
    }

    func testAStepParamCollidingWithAnAxisValueIsRefused() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            models:
              m:
                capacities:
                  small: { width: 4 }
            steps:
              train:
                foreach: { model: models.m }
                params: { "model.width": 8 }
                command: echo {{ model.width }} > {{ out }}/x

            """)
        let r = try h.run(["plan", "exp.yaml"])
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.err.contains("param name 'model.width'"), r.err)
        XCTAssertTrue(r.err.contains("axis 'model'"), r.err)
    }

    /// A record written before builds refused such names (or edited by hand) must not make every
    /// query of the store fail: it is skipped with a warning naming its node, `verify` reports
    /// it, `verify --repair` sets it aside, and the next build runs its node again.
    func testARecordTheIndexCannotTakeIsSkippedReportedAndSetAside() throws {
        let (h, build) = try buildWithMetrics(#"{"acc": 0.5}"#)
        XCTAssertEqual(build.status, 0, build.all)
        let path = try h.recordPath(node: "m")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let poisoned = text.replacingOccurrences(of: #""metrics":{"acc":0.5}"#,
                                                 with: #""metrics":{"val":{"loss":1},"val.loss":5}"#)
        XCTAssertNotEqual(poisoned, text, "the record's metrics are written as expected")
        try poisoned.write(toFile: path, atomically: false, encoding: .utf8)

        let results = try h.run(["results", "exp.yaml"])
        XCTAssertEqual(results.status, 0, results.all)
        XCTAssertTrue(results.err.contains("skipped the record of m"), results.all)
        XCTAssertTrue(results.out.contains("ok"), results.all)
        let fit = try h.run(["results", "exp.yaml", "--step", "ok", "--format", "json"])
        XCTAssertEqual(fit.status, 0, fit.all)

        let verify = try h.run(["verify"])
        XCTAssertNotEqual(verify.status, 0, verify.all)
        XCTAssertTrue(verify.all.contains("cannot be indexed"), verify.all)
        let repair = try h.run(["verify", "--repair"])
        XCTAssertTrue(repair.all.contains("could not be read or indexed"), repair.all)
        XCTAssertEqual(try h.run(["verify"]).status, 0)
        let again = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(CLIHarness.started(again), ["m"], again.all)
        XCTAssertEqual(try h.run(["verify"]).status, 0)
    }
}
