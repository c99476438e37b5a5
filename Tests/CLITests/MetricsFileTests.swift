import Foundation
import XCTest

/// What a step leaves in $XGRAPH_OUT is read before it is ingested: a pipe, device or link there
/// must fail the node with a message that says what is wrong (and must never hang the build).
final class MetricsFileTests: XCTestCase {
    func testAMetricsFileThatIsAPipeFailsTheNodeSayingItIsNotARegularFile() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              fifo:
                command: mkfifo {{ out }}/metrics.json

            """)
        let p = try h.start(["build", "exp.yaml"], outputTo: "build.log")
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline { usleep(100_000) }
        if p.isRunning {
            p.interrupt(); usleep(500_000); if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            XCTFail("the build hung reading metrics.json")
            return
        }
        let log = try h.read("build.log")
        XCTAssertNotEqual(p.terminationStatus, 0, log)
        XCTAssertTrue(log.contains("metrics.json"), log)
        XCTAssertTrue(log.contains("not a regular file"), log)
    }
}
