import Foundation
import XCTest

/// Absurd values on the command line or in a step get a clear error instead of a trap (exit
/// 132, no message) or a build that never starts.
final class HostileInputTests: XCTestCase {
    func testMemOf1e19OnTheCommandLineIsAnArgumentError() throws {
        let h = try CLIHarness()
        try h.write("e.yaml", "steps:\n  a: { command: \"true\" }\n")
        let r = try h.run(["build", "e.yaml", "--mem", "1e19"])
        XCTAssertEqual(r.status, 64, r.all)
        XCTAssertTrue(r.err.contains("--mem 1e19: at most 1024T"), r.err)
    }

    func testGPUsOfAHundredMillionIsAnArgumentError() throws {
        let h = try CLIHarness()
        try h.write("e.yaml", "steps:\n  a: { command: \"true\" }\n")
        let start = Date()
        let r = try h.run(["build", "e.yaml", "--gpus", "100000000"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertEqual(r.status, 64, r.all)
        XCTAssertTrue(r.err.contains("--gpus: at most 4096 GPUs"), r.err)
        let cpus = try h.run(["build", "e.yaml", "--cpus", "100000000"])
        XCTAssertEqual(cpus.status, 64, cpus.all)
        XCTAssertTrue(cpus.err.contains("--cpus: at most 65536"), cpus.err)
    }

    func testATimeLimitOf1e300IsASpecErrorBeforeAnythingRuns() throws {
        let h = try CLIHarness()
        try h.write("e.yaml", """
            steps:
              a:
                command: "touch ran"
                resources: { time: 1e300 }

            """)
        let r = try h.run(["build", "e.yaml"])
        XCTAssertNotEqual(r.status, 132, r.all)
        XCTAssertTrue(r.err.contains("e.yaml:4:24: error: 'time' must be at most 365d"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.dir.appendingPathComponent("ran").path))
    }
}
