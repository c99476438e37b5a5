import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphSpec

/// Absurd numbers and paths are refused at their line and column instead of trapping (a
/// conversion of 1e19 to Int, an overflowing HH:MM:SS) or taking minutes.
final class HostileValueTests: XCTestCase {
    func at(_ f: Fixture, _ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: f.dir + "/exp.yaml", line: line, column: column)
    }

    func testDatasetItemsOf1e19IsARangeErrorNotATrap() {
        let f = Fixture()
        let (loc, msg) = f.loadError("datasets:\n  d: { path: /d, items: 1e19 }\n")
        XCTAssertEqual(loc, at(f, 2, 25))
        XCTAssertEqual(msg, "'items' must be at most 1000000B (10^15), found 1e19")
    }

    func testSubsetSizesOf1e20And10000000000BAreRangeErrors() {
        let f = Fixture()
        var (loc, msg) = f.loadError("datasets:\n  d: { path: /d }\nsubsets:\n  s: { dataset: d, sizes: [10M, 1e20] }\n")
        XCTAssertEqual(loc, at(f, 4, 33))
        XCTAssertEqual(msg, "'sizes' must be at most 1000000B (10^15), found 1e20")
        (loc, msg) = f.loadError("datasets:\n  d: { path: /d }\nsubsets:\n  s: { dataset: d, sizes: [10000000000B] }\n")
        XCTAssertEqual(loc, at(f, 4, 28))
        XCTAssertEqual(msg, "'sizes' must be at most 1000000B (10^15), found 10000000000B")
    }

    func testMemOf1e19IsARangeError() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    resources: { mem: 1e19 }\n")
        XCTAssertEqual(loc, at(f, 4, 23))
        XCTAssertEqual(msg, "'mem' must be at most 1024T, found 1e19")
    }

    func testTimeWhoseHoursOverflowIsARangeError() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    resources: { time: \"999999999999999999:00:00\" }\n")
        XCTAssertEqual(loc, at(f, 4, 24))
        XCTAssertEqual(msg, "'time' must be at most 365d, found 999999999999999999:00:00")
    }

    func testTimeAndEstimateOf1e300AreRangeErrors() {
        let f = Fixture()
        var (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    resources: { time: 1e300 }\n")
        XCTAssertEqual(loc, at(f, 4, 24))
        XCTAssertEqual(msg, "'time' must be at most 365d, found 1e300")
        (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    estimate: 1e300\n")
        XCTAssertEqual(loc, at(f, 4, 15))
        XCTAssertEqual(msg, "'estimate' must be at most 365d, found 1e300")
    }

    func testGPUsCPUsAndRetriesBeyondTheirLimitsAreRangeErrors() {
        let f = Fixture()
        var (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    resources: { gpus: 100000000 }\n")
        XCTAssertEqual(loc, at(f, 4, 24))
        XCTAssertEqual(msg, "'gpus' must be at most 4096, found 100000000")
        (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    resources: { cpus: 100000000 }\n")
        XCTAssertEqual(loc, at(f, 4, 24))
        XCTAssertEqual(msg, "'cpus' must be at most 65536, found 100000000")
        (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    retries: 9223372036854775807\n")
        XCTAssertEqual(loc, at(f, 4, 14))
        XCTAssertEqual(msg, "'retries' must be at most 100, found 9223372036854775807")
    }

    func testAPathOf64kComponentsIsRefusedQuickly() {
        let f = Fixture()
        let long = Array(repeating: "a", count: 65536).joined(separator: "/")
        let start = Date()
        let (loc, msg) = f.loadError("datasets:\n  d: { path: \(long) }\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
        XCTAssertEqual(loc, at(f, 2, 14))
        XCTAssertEqual(msg, "'path' is 131071 bytes long; a path may be at most 4096 bytes")
    }

    func testOutputsNamingTheOutputFolderItselfOrEmptyAreRefused() {
        let f = Fixture()
        for (bad, column) in [(".", 15), ("..", 15), ("a/./b", 15), ("\"\"", 15), ("/abs", 15), ("./", 15)] {
            let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    outputs: [\(bad)]\n")
            XCTAssertEqual(loc, at(f, 4, column), bad)
            XCTAssertTrue(msg.hasSuffix("must be a relative path inside the output folder (no '.' or '..' parts, "
                + "not empty, not absolute)"), msg)
        }
    }

    func testCodeOutsideTheProjectFolderIsRefusedUnlessMarked() throws {
        let f = Fixture()
        f.write("lib/util.py", "")
        f.write("proj/train.py", "")
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    code: [train.py, ../lib/util.py]\n",
                                     name: "proj/exp.yaml")
        XCTAssertEqual(loc, SourceLocation(file: f.dir + "/proj/exp.yaml", line: 4, column: 22))
        XCTAssertEqual(msg, "code path '../lib/util.py' is outside the project folder \(f.dir)/proj; "
            + "write { path: ../lib/util.py, outside_project: true } to hash it anyway")
        let spec = try f.load("steps:\n  a:\n    command: echo\n"
            + "    code: [train.py, { path: ../lib/util.py, outside_project: true }]\n", name: "proj/exp.yaml")
        XCTAssertEqual(spec.steps[0].code.map(\.absolute), [f.dir + "/proj/train.py", f.dir + "/lib/util.py"])
    }

    func testCodeThatIsAFIFOIsRefusedAtItsLine() throws {
        let f = Fixture()
        XCTAssertEqual(mkfifo(f.dir + "/pipe", 0o600), 0)
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    code: [pipe]\n")
        XCTAssertEqual(loc, at(f, 4, 12))
        XCTAssertEqual(msg, "code path 'pipe' is neither a file nor a folder; only files and folders can be hashed")
    }
}

/// Names enter keys and node ids; a control character in one made two param maps encode alike
///, so every name is refused at its line and column.
final class ControlCharacterNameTests: XCTestCase {
    func testAParamNameWithALineFeedOrNULIsASpecErrorAtTheName() {
        let f = Fixture()
        for (written, shown) in [("a\\nb", "U+000A"), ("a\\0b", "U+0000")] {
            let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    params: { \"\(written)\": 1 }\n")
            XCTAssertEqual(loc, SourceLocation(file: f.dir + "/exp.yaml", line: 4, column: 15), written)
            XCTAssertTrue(msg.hasPrefix("name \"a"), msg)
            XCTAssertTrue(msg.hasSuffix("in 'params' of step 'a' contains a control character (\(shown)); names may not"), msg)
        }
    }

    func testANestedParamNameOrAttributeWithAControlCharacterIsRefused() {
        let f = Fixture()
        let (loc, msg) = f.loadError("tasks:\n  t: { \"x\\ty\": 1 }\n")
        XCTAssertEqual(loc, SourceLocation(file: f.dir + "/exp.yaml", line: 2, column: 8))
        XCTAssertTrue(msg.contains("contains a control character (U+0009)"), msg)
    }
}

/// Found by the fuzzer: a 200 kB unknown value took seconds in the "did you mean" search.
final class LongValueTests: XCTestCase {
    func testAHugeUnknownBuiltinNameIsRefusedQuickly() {
        let f = Fixture()
        let huge = String(repeating: "../", count: 200_000)
        let start = Date()
        let (loc, msg) = f.loadError("steps:\n  a: { run: \(huge) }\n")
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertEqual(loc, SourceLocation(file: f.dir + "/exp.yaml", line: 2, column: 13))
        XCTAssertTrue(msg.hasPrefix("unknown builtin '../../"), String(msg.prefix(100)))
    }
}

/// Found by the fuzzer: YAML 1.1 reads `1:30:00` as a base-60 integer, and Yams traps when one
/// overflows Int.
final class SexagesimalOverflowTests: XCTestCase {
    func testAnUnquotedOverflowingBase60IntegerIsAnErrorOrTextNotATrap() throws {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    retries: 999999999999999999:00:00\n")
        XCTAssertEqual(loc, SourceLocation(file: f.dir + "/exp.yaml", line: 4, column: 14))
        XCTAssertEqual(msg, "'retries' is out of range, found 999999999999999999:00:00")
        let spec = try f.load("steps:\n  a:\n    command: echo\n    params: { t: 999999999999999999:00:00, u: 1:30 }\n")
        XCTAssertEqual(spec.steps[0].params["t"], .string("999999999999999999:00:00"))
        XCTAssertEqual(spec.steps[0].params["u"], .int(90))
    }
}
