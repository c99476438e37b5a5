import Foundation
import XCTest

/// A link inside a `code:` folder or a data folder that leaves it through another link
/// (`lib/p/q/up -> ../..`, `lib/helper.txt -> p/q/up/../secret.txt`) reads the file it really
/// resolves to: read as text it stays inside `lib/`, so only its text used to be hashed, and an
/// edit of `secret.txt` re-ran nothing.
final class LinkEscapeTests: XCTestCase {
    private func project(_ spec: String, folder: String) throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", spec)
        try h.write("secret.txt", "one\n")
        try h.write("\(folder)/p/q/keep", "")
        XCTAssertEqual(symlink("../..", h.dir.path + "/\(folder)/p/q/up"), 0)
        XCTAssertEqual(symlink("p/q/up/../secret.txt", h.dir.path + "/\(folder)/helper.txt"), 0)
        XCTAssertEqual(try String(contentsOfFile: h.dir.path + "/\(folder)/helper.txt", encoding: .utf8), "one\n")
        let first = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(first.status, 0, first.all)
        return h
    }

    func testAnInnerLinkOutOfACodeFolderKeysTheFileItReads() throws {
        let h = try project("""
            steps:
              use:
                code: [lib]
                command: cat lib/helper.txt > {{ out }}/o

            """, folder: "lib")
        try h.write("secret.txt", "two\n")
        let again = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(CLIHarness.started(again), ["use"], again.all)
    }

    func testAnInnerLinkOutOfADataFolderKeysTheFileItReads() throws {
        let h = try project("""
            datasets:
              d: { path: data }
            steps:
              use:
                inputs: { d: datasets.d }
                command: cat {{ inputs.d }}/helper.txt > {{ out }}/o

            """, folder: "data")
        try h.write("secret.txt", "two\n")
        let again = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(CLIHarness.started(again), ["use"], again.all)
    }
}
