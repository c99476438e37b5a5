import Foundation
import XCTest

/// Bad input gets one clear error naming file, line and column, and nothing is written.
final class SpecErrorTests: XCTestCase {
    func testAnUnknownStepKeyIsReportedAtItsLineWithASuggestion() throws {
        let h = try CLIHarness()
        try h.write("bad.yaml", """
            steps:
              train:
                comand: echo hi

            """)
        let r = try h.run(["build", "bad.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("bad.yaml:3:5: error:"), r.err)
        XCTAssertTrue(r.err.contains("did you mean 'command'"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.dir.appendingPathComponent("cache/records").path))
    }

    func testAYAMLSyntaxErrorCarriesItsPosition() throws {
        let h = try CLIHarness()
        try h.write("bad.yaml", "steps:\n  a: [1, 2\n  b: 3\n")
        let r = try h.run(["plan", "bad.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.range(of: #"bad\.yaml:\d+:\d+: error:"#, options: .regularExpression) != nil, r.err)
    }

    func testACycleIsPrinted() throws {
        let h = try CLIHarness()
        try h.write("cyc.yaml", """
            steps:
              a:
                inputs: { x: b }
                command: "true"
              b:
                inputs: { y: a }
                command: "true"

            """)
        let r = try h.run(["plan", "cyc.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("a → b → a") || r.err.contains("b → a → b"), r.err)
    }

    func testAMissingExperimentFileIsAUsageError() throws {
        let h = try CLIHarness()
        let r = try h.run(["build", "nope.yaml"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.err.contains("nope.yaml does not exist"), r.err)
    }

    func testHelpListsTheCommands() throws {
        let h = try CLIHarness()
        let r = try h.run(["--help"])
        for c in ["build", "plan", "explain", "results", "diff", "fit", "suggest", "report", "logs", "verify"] {
            XCTAssertTrue(r.out.contains(c), "help lacks \(c):\n\(r.out)")
        }
        XCTAssertFalse(r.out.contains("builtin"), r.out)
        // The help wraps its own lines: no sentence breaks where the source text did.
        XCTAssertTrue(r.out.contains("runs only the nodes"), r.out)
    }
}
