import Foundation
import XCTest

/// Killing `xgraph build` at any moment loses nothing and runs nothing twice.
final class CancellationTests: XCTestCase {
    static let spec = """
        steps:
          quick:
            command: echo q > {{ out }}/q
          slow:
            inputs: { q: quick }
            command: |
              echo "start $(date +%s%N)" >> events.log
              sleep $(cat duration.txt)
              echo "end $(date +%s%N)" >> events.log
              echo s > {{ out }}/s

        """

    func waitFor(_ h: CLIHarness, _ file: String, lines: Int = 1) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let t = try? h.read(file), t.split(separator: "\n").count >= lines { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("\(file) never got \(lines) lines")
    }

    func testSIGINTStopsTheJobRecordsNothingPartialAndTheNextBuildResumes() throws {
        try stopsTheJobAndResumes(signal: SIGINT)
    }

    /// A closed terminal or ssh session sends SIGHUP: it cancels the build like SIGTERM, instead
    /// of killing xgraph and leaving its step running with nobody to record or stop it.
    func testSIGHUPStopsTheJobRecordsNothingPartialAndTheNextBuildResumes() throws {
        try stopsTheJobAndResumes(signal: SIGHUP)
    }

    private func stopsTheJobAndResumes(signal: Int32) throws {
        let h = try CLIHarness()
        try h.write("c.yaml", Self.spec)
        try h.write("duration.txt", "31.7\n")
        let p = try h.start(["build", "c.yaml"], outputTo: "build.log")
        try waitFor(h, "events.log")
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        let log = try h.read("build.log")
        XCTAssertEqual(p.terminationReason, .exit, "xgraph handles the signal instead of dying of it: \(log)")
        XCTAssertEqual(p.terminationStatus, 128 + signal, log)
        XCTAssertFalse(try h.read("events.log").contains("end"), "the job should have been stopped")
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(try processes(matching: "sleep 31.7"), 0, "the job's process group outlived the build")

        try h.write("duration.txt", "0\n")
        let again = try h.run(["build", "c.yaml"])
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertEqual(CLIHarness.started(again), ["slow"], "quick was recorded; slow was not")
        XCTAssertEqual(try h.run(["verify"]).status, 0)
    }

    func testKill9LeavesAnOrphanThatTheNextBuildWaitsForInsteadOfRunningTwice() throws {
        let h = try CLIHarness()
        try h.write("c.yaml", Self.spec)
        try h.write("duration.txt", "2\n")
        let p = try h.start(["build", "c.yaml"], outputTo: "build.log")
        try waitFor(h, "events.log")
        // The build records the job's process group just after starting it; on a loaded
        // machine the job can get this far first.
        let locks = h.dir.appendingPathComponent("cache/locks").path
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, !((try? FileManager.default.contentsOfDirectory(atPath: locks)) ?? []).contains(where: {
            ((try? String(contentsOfFile: locks + "/" + $0, encoding: .utf8)) ?? "").contains("\"pgid\"")
        }) { Thread.sleep(forTimeInterval: 0.02) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // The orphaned job is still running in its own session; the next build must not start
        // a second copy while it does.
        let again = try h.run(["build", "c.yaml"])
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertTrue(again.out.contains("orphaned job"), again.out)
        let events = try h.read("events.log").split(separator: "\n").map { $0.split(separator: " ") }
        XCTAssertEqual(events.map { String($0[0]) }, ["start", "end", "start", "end"], "\(events)")
        XCTAssertLessThanOrEqual(Int(events[1][1])!, Int(events[2][1])!, "the second run started before the orphan ended")
    }

    private func processes(matching pattern: String) throws -> Int {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/pgrep")
        p.arguments = ["-f", "-c", pattern]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        p.waitUntilExit()
        return Int(String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }
}
