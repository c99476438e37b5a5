import Foundation
import XCTest

final class ConcurrentBuildTests: XCTestCase {
    /// Two `xgraph build` processes on one store: each node runs once, and both succeed.
    func testTwoBuildsOnOneStoreRunEachNodeOnce() throws {
        let h = try CLIHarness()
        try h.write("two.yaml", """
            steps:
              work:
                foreach: { i: [1, 2, 3, 4, 5, 6] }
                command: |
                  echo "$XGRAPH_NODE" >> ran.log; sleep 0.3; echo {{ i }} > {{ out }}/x

            """)
        let a = try h.start(["build", "two.yaml", "-j", "2"], outputTo: "a.log")
        let b = try h.start(["build", "two.yaml", "-j", "2"], outputTo: "b.log")
        a.waitUntilExit()
        b.waitUntilExit()
        let logs = try h.read("a.log") + "\n---\n" + h.read("b.log")
        XCTAssertEqual(a.terminationStatus, 0, logs)
        XCTAssertEqual(b.terminationStatus, 0, logs)
        let ran = try h.read("ran.log").split(separator: "\n").map(String.init)
        XCTAssertEqual(ran.count, 6, "a node ran twice: \(ran.sorted())")
        XCTAssertEqual(Set(ran).count, 6)
        XCTAssertTrue(try h.run(["build", "two.yaml"]).out.hasPrefix("nothing to do"))
    }
}
