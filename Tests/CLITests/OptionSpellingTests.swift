import Foundation
import XCTest

/// Small things a new user met in the first hour.
final class OptionSpellingTests: XCTestCase {
    /// ArgumentParser adds "(default: data)" itself; help text that said it too said it twice.
    func testHelpStatesEachDefaultOnce() throws {
        let h = try CLIHarness()
        for command in ["fit", "report", "suggest"] {
            let r = try h.run([command, "--help"])
            XCTAssertEqual(r.status, 0, r.all)
            XCTAssertEqual(r.out.components(separatedBy: "(default: data)").count - 1, 1, "\(command): \(r.out)")
            // No option says its default twice ("(default: model). (default: model)").
            let twice = try NSRegularExpression(pattern: #"\(default: ([^)]*)\)\.?\s+\(default: \1\)"#)
            XCTAssertNil(twice.firstMatch(in: r.out, range: NSRange(r.out.startIndex..., in: r.out)), "\(command): \(r.out)")
        }
    }

    /// `-j2`, as make and ninja take it.
    func testJobsTakesAJoinedValue() throws {
        let h = try Fixtures.project()
        let r = try h.run(["build", "exp.yaml", "-j2"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try h.run(["build", "exp.yaml", "-j", "2"]).status, 0)
    }
}
