import Foundation
import XCTest

/// Subsets of a step's output (a generated data set) are a first-class form:
/// `subsets: { train: { dataset: generate, items: N, sizes: [...] } }`. builtin:subset must read
/// its own subset's data, so a placeholder dataset whose subsets are fed another step's output
/// is the error the docs promise.
final class GeneratedSubsetsTests: XCTestCase {
    func testSubsetsDrawnFromAGeneratingStepBuildAndReadItsOutput() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            subsets:
              gen: { dataset: generate, items: 300, sizes: [50, 100], nested: true, seed: 0 }
            steps:
              generate:
                command: seq 300 > {{ out }}/data.txt
              subset:
                run: builtin:subset
                foreach: { data: subsets.gen, seed: [0, 1] }
                inputs: { dataset: generate }
              count:
                foreach: { data: subsets.gen, seed: [0, 1] }
                inputs: { s: subset }
                command: wc -l < {{ inputs.s }}/indices.txt > {{ out }}/n

            """)
        let build = try h.run(["build", "exp.yaml", "-j", "2"])
        XCTAssertEqual(build.status, 0, build.all)
        XCTAssertFalse(build.all.contains("does not use parameter"), build.all)
        let again = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(CLIHarness.started(again), [], again.all)
    }

    func testAPlaceholderDatasetFedAnotherStepsOutputIsTheDocumentedError() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            datasets:
              raw: { path: missing.txt, items: 300 }
            subsets:
              raw: { dataset: raw, sizes: [50] }
            steps:
              generate:
                command: seq 300 > {{ out }}/data.txt
              subset:
                run: builtin:subset
                foreach: { data: subsets.raw }
                inputs: { dataset: generate }

            """)
        let r = try h.run(["plan", "exp.yaml"])
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.err.contains("exp.yaml:11:"), r.err)
        XCTAssertTrue(r.err.contains("draws a subset of dataset 'raw', but its input 'dataset' reads the output of step 'generate'"), r.err)
        XCTAssertTrue(r.err.contains("dataset: generate"), r.err)
    }

    func testASubsetOfAStepsOutputNeedsItsItemCount() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            subsets:
              gen: { dataset: generate, sizes: [50] }
            steps:
              generate:
                command: seq 300 > {{ out }}/data.txt

            """)
        let r = try h.run(["plan", "exp.yaml"])
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.err.contains("exp.yaml:2:"), r.err)
        XCTAssertTrue(r.err.contains("give items: N"), r.err)
    }
}
