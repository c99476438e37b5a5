import Foundation
import XCTest
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphStore

final class BuilderTests: XCTestCase {
    func testASecondBuildRunsNothing() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        let fake = FakeExecutor()
        let first = try await h.build(fake)
        XCTAssertEqual(first.ran.count, 12)
        XCTAssertTrue(first.succeeded)
        let second = try await h.build(fake)
        XCTAssertEqual(second.ran, [])
        XCTAssertEqual(second.cached, 12)
        XCTAssertEqual(fake.runs.count, 12)
    }

    func testChangingOneParamRerunsExactlyItsDependents() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        _ = try await h.build(FakeExecutor())
        try h.write("exp.yaml", Specs.study(threshold: "0.7"))
        let evalOnly = FakeExecutor()
        _ = try await h.build(evalOnly)
        XCTAssertEqual(evalOnly.ran, ["eval/data=10k/model=big", "eval/data=10k/model=small", "eval/data=1k/model=big",
                                      "eval/data=1k/model=small", "eval/data=3k/model=big", "eval/data=3k/model=small"])
        try h.write("exp.yaml", Specs.study(lr: "0.05", threshold: "0.7"))
        let all = FakeExecutor()
        _ = try await h.build(all)
        XCTAssertEqual(all.ran.count, 12, "lr feeds every train node, and each new output feeds its eval")
    }

    func testIdenticalOutputsCutTheRebuildOff() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        // Train writes only its lr, so changing `note` re-runs train but leaves its bytes alone.
        let lrOnly: @Sendable (Job, Int) throws -> Int32 = { job, _ in
            let params = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: job.environment["XGRAPH_PARAMS"]!)))
            try Data((params["lr"]?.canonical ?? "eval").utf8).write(to: URL(fileURLWithPath: job.environment["XGRAPH_OUT"]! + "/w"))
            return 0
        }
        _ = try await h.build(FakeExecutor(behaviour: lrOnly))
        try h.write("exp.yaml", Specs.study(note: "b"))
        let fake = FakeExecutor(behaviour: lrOnly)
        let s = try await h.build(fake)
        XCTAssertEqual(fake.ran.filter { $0.hasPrefix("train/") }.count, 6)
        XCTAssertEqual(fake.ran.filter { $0.hasPrefix("eval/") }.count, 0)
        XCTAssertEqual(s.cutOff.count, 6)
    }

    func testTheExecutorAndJobCountAreNotPartOfKeys() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        _ = try await h.build(FakeExecutor(name: "local"), options: BuildOptions(jobs: 1))
        let other = FakeExecutor(name: "slurm")
        let s = try await h.build(other, options: BuildOptions(jobs: 8))
        XCTAssertEqual(other.ran, [])
        XCTAssertEqual(s.cached, 12)
    }

    func testAFailedNodeGetsNoRecordAndBlocksItsDependents() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        let failing = FakeExecutor { job, attempt in
            job.node == "train/data=3k/model=big" ? 2 : try FakeExecutor.writeParams(job, attempt)
        }
        var opts = BuildOptions(jobs: 2)
        opts.keepGoing = true
        let s = try await h.build(failing, options: opts)
        XCTAssertEqual(s.failed.map(\.node), ["train/data=3k/model=big"])
        XCTAssertEqual(s.blocked.map(\.node), ["eval/data=3k/model=big"])
        XCTAssertEqual(s.ran.count, 10)
        let records = try Store(root: h.dir + "/cache").allRecords()
        XCTAssertFalse(records.contains { $0.node == "train/data=3k/model=big" })
        XCTAssertEqual(records.count, 10)
    }

    func testRetriesRunAgainAndRecordTheAttempt() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", """
            steps:
              flaky:
                retries: 2
                command: x {{ out }}

            """)
        let fake = FakeExecutor { job, attempt in attempt < 3 ? 1 : try FakeExecutor.writeParams(job, attempt) }
        var opts = BuildOptions(jobs: 1)
        opts.retryBackoff = 0.01
        let s = try await h.build(fake, options: opts)
        XCTAssertTrue(s.succeeded)
        XCTAssertEqual(fake.runs.count, 3)
        let record = try XCTUnwrap(try Store(root: h.dir + "/cache").allRecords().first)
        XCTAssertEqual(record.provenance.attempt, 3)
    }

    func testTwoBuildsOnOneStoreRunEachNodeOnce() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        let fake = FakeExecutor(delay: 0.05)
        async let a = h.build(fake, options: BuildOptions(jobs: 3))
        async let b = h.build(fake, options: BuildOptions(jobs: 3))
        let (sa, sb) = try await (a, b)
        XCTAssertTrue(sa.succeeded && sb.succeeded)
        XCTAssertEqual(fake.ran, Array(Set(fake.ran)).sorted(), "a node ran twice: \(fake.ran)")
        XCTAssertEqual(fake.runs.count, 12)
    }

    func testCancellingABuildRecordsNothingPartialAndTheNextBuildResumes() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        let slow = FakeExecutor(delay: 30)
        let task = Task { try await h.build(slow, options: BuildOptions(jobs: 2)) }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        let s = try await task.value
        XCTAssertTrue(s.cancelled)
        XCTAssertEqual(try Store(root: h.dir + "/cache").allRecords().count, 0)
        let fake = FakeExecutor()
        let again = try await h.build(fake)
        XCTAssertEqual(fake.runs.count, 12)
        XCTAssertTrue(again.succeeded)
    }
}
