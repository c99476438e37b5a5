import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphSpec

/// A step's `group: { max_nodes, max_time }`, and each way it can be written wrong.
final class JobGroupSpecTests: XCTestCase {
    private func at(_ f: Fixture, _ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: f.dir + "/exp.yaml", line: line, column: column)
    }

    func testAGroupIsReadWithItsTime() throws {
        let f = Fixture()
        let spec = try f.load("steps:\n  e:\n    command: echo\n    group: { max_nodes: 20, max_time: 10m }\n  f:\n    command: echo\n")
        XCTAssertEqual(spec.steps[0].jobGroup, JobGroup(maxNodes: 20, maxTime: 600))
        XCTAssertNil(spec.steps[1].jobGroup)
        XCTAssertEqual(try f.load("steps:\n  e:\n    command: echo\n    group: { max_nodes: 3 }\n").steps[0].jobGroup,
                       JobGroup(maxNodes: 3))
    }

    func testEachMistakeIsNamedWhereItIs() {
        let f = Fixture()
        var (loc, msg) = f.loadError("steps:\n  e:\n    command: echo\n    group: { max_time: 1m }\n")
        XCTAssertEqual(loc, at(f, 4, 12))
        XCTAssertEqual(msg, "'group' of step 'e' needs 'max_nodes:' (how many nodes may share one job)")
        (loc, msg) = f.loadError("steps:\n  e:\n    command: echo\n    group: { max_nodes: 0 }\n")
        XCTAssertEqual(loc, at(f, 4, 25))
        XCTAssertTrue(msg.contains("max_nodes") && msg.contains("1"), msg)
        (loc, msg) = f.loadError("steps:\n  e:\n    command: echo\n    group: { max_nodes: 2, max_tme: 1m }\n")
        XCTAssertEqual(loc, at(f, 4, 28))
        XCTAssertTrue(msg.hasPrefix("unknown key 'max_tme' in 'group' of step 'e'; did you mean 'max_time'?"), msg)
        (loc, msg) = f.loadError("steps:\n  e:\n    command: echo\n    group: { max_nodes: 2, max_time: soon }\n")
        XCTAssertEqual(loc?.line, 4)
        XCTAssertTrue(msg.contains("max_time"), msg)
        (loc, msg) = f.loadError("steps:\n  e:\n    command: echo\n    resume: true\n    group: { max_nodes: 2 }\n")
        XCTAssertEqual(loc, at(f, 5, 12))
        XCTAssertTrue(msg.contains("'resume: true' runs as jobs of its own"), msg)
        (loc, msg) = f.loadError("steps:\n  e:\n    command: echo\n    group: 4\n")
        XCTAssertEqual(loc, at(f, 4, 12))
        XCTAssertTrue(msg.contains("'group' of step 'e'"), msg)
    }
}
