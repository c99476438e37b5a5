import Foundation
import XCTest
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphStore

/// The node runner's build (what a Slurm job runs): one node, inputs from the store, no retries,
/// and no record when the job was stopped while the step ran.
final class SingleNodeRunTests: XCTestCase {
    private func single(_ node: String, _ h: BuilderHarness, key: Digest? = nil,
                        confirm: (@Sendable () async -> String?)? = nil) -> BuildOptions {
        var o = BuildOptions(jobs: 1)
        o.single = SingleNodeRun(node: node, key: key, logPath: h.dir + "/node.log", attempt: 1, confirm: confirm)
        return o
    }

    func testAStepThatSucceedsAfterItsJobWasStoppedIsNotRecorded() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        _ = try await h.build(FakeExecutor(), targets: ["train/data=1k/model=small"])
        let node = "eval/data=1k/model=small"
        let stopped = try await h.build(FakeExecutor(), targets: [node],
                                        options: single(node, h) { "Slurm reports job 7 as CANCELLED, not running" })
        XCTAssertFalse(stopped.succeeded)
        XCTAssertEqual(stopped.ran, [])
        XCTAssertTrue(stopped.failed.first?.status.contains("CANCELLED") ?? false, "\(stopped.failed)")
        XCTAssertTrue(try String(contentsOfFile: h.dir + "/node.log", encoding: .utf8).contains("was not recorded"))
        // Nothing was recorded: a normal build runs it.
        let after = try await h.build(FakeExecutor(), targets: [node])
        XCTAssertEqual(after.ran, [node])
    }

    func testTheRunnerRunsOnlyItsNodeAndNeverItsMissingInputs() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        let node = "eval/data=1k/model=small"
        let fake = FakeExecutor()
        let r = try await h.build(fake, targets: [node], options: single(node, h))
        XCTAssertFalse(r.succeeded)
        XCTAssertEqual(fake.ran, [], "the runner ran an input that had no record")
        XCTAssertTrue(r.failed.contains { $0.status.contains("has no output in the store") }, "\(r.failed)")
    }

    func testAKeyOtherThanTheSubmittedOneRunsNothing() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        _ = try await h.build(FakeExecutor(), targets: ["train/data=1k/model=small"])
        let node = "eval/data=1k/model=small"
        let fake = FakeExecutor()
        let r = try await h.build(fake, targets: [node], options: single(node, h, key: Digest.of("an older version")))
        XCTAssertFalse(r.succeeded)
        XCTAssertEqual(fake.ran, [])
        XCTAssertTrue(r.failed.contains { $0.status.contains("the experiment changed since this job was submitted") }, "\(r.failed)")
    }
}
