import Foundation
import XCTest
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphStore

/// The node runner (what a Slurm job runs): one node from the description its head wrote, inputs
/// from the store, no retries, no record when the job was stopped while the step ran, and nothing
/// run when what it can see is not what it was submitted with.
final class SingleNodeRunTests: XCTestCase {
    /// What a head does before `sbatch`: plan, then describe the node with the plan's knowledge.
    /// Inputs whose key the plan knows are named by it; others by `upstream`.
    /// `byOutput`: inputs named by their output digest alone, as an attached build does.
    private func describe(_ node: String, _ h: BuilderHarness, file: String = "exp.yaml", forced: Bool = false,
                          upstream: [String: Digest] = [:], byOutput: Bool = false) throws -> String {
        let b = try h.builder(FakeExecutor(), file: file)
        let plan = try b.plan(selection: Array(b.graph.nodes.indices))
        let i = try XCTUnwrap(b.graph.index(of: node))
        let d = try b.writeJobDescription(i, key: plan.entries[i].key, forced: forced) { j in
            if byOutput { return nil }
            let e = plan.entries[j]
            if let k = e.key { return .recordedKey(k.key) }
            if let out = e.output { return .output(out) }
            return upstream[b.graph.nodes[j].id].map { .job(description: $0) }
        }
        return b.store.jobDescriptionPath(d)
    }

    private func runner(_ path: String, _ h: BuilderHarness, _ fake: FakeExecutor,
                        confirm: (@Sendable () async -> String?)? = nil) throws -> DescribedNodeRun {
        var r = try DescribedNodeRun(descriptionAt: path, store: try Store(root: h.dir + "/cache"),
                                     renderer: CommandRenderer(builtinCommand: ["/bin/false"]), executor: fake,
                                     observer: SilentObserver(), logPath: h.dir + "/node.log", attempt: 1)
        r.confirm = confirm
        return r
    }

    func testAStepThatSucceedsAfterItsJobWasStoppedIsNotRecorded() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        _ = try await h.build(FakeExecutor(), targets: ["train/data=1k/model=small"])
        let node = "eval/data=1k/model=small"
        let stopped = try await runner(try describe(node, h), h, FakeExecutor()) { "Slurm reports job 7 as CANCELLED, not running" }.run()
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
        let r = try await runner(try describe(node, h), h, fake).run()
        XCTAssertFalse(r.succeeded)
        XCTAssertEqual(fake.ran, [], "the runner ran an input that had no record")
        XCTAssertTrue(r.failed.contains { $0.status.contains("has no output in the store") }, "\(r.failed)")
    }

    func testCodeEditedAfterSubmissionRunsNothing() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Self.chain)
        try h.write("b.sh", "echo b\n")
        _ = try await h.build(FakeExecutor(), targets: ["a"])
        let path = try describe("b", h)
        try h.write("b.sh", "echo b, edited\n")
        let fake = FakeExecutor()
        let r = try await runner(path, h, fake).run()
        XCTAssertFalse(r.succeeded)
        XCTAssertEqual(fake.ran, [])
        XCTAssertTrue(r.failed.contains { $0.status.contains("the experiment changed since this job was submitted") && $0.status.contains("b.sh") },
                      "\(r.failed)")
        // Also when the head could not know the key yet (its input was still to be built).
        let h2 = try BuilderHarness()
        try h2.write("exp.yaml", Self.chain)
        try h2.write("b.sh", "echo b\n")
        let a = try describe("a", h2)
        let b = try describe("b", h2, upstream: ["a": try Self.digest(of: a)])
        try h2.write("b.sh", "echo b, edited\n")
        let ranA = try await runner(a, h2, FakeExecutor()).run()
        XCTAssertTrue(ranA.succeeded)
        let r2 = try await runner(b, h2, fake).run()
        XCTAssertTrue(r2.failed.contains { $0.status.contains("code") && $0.status.contains("b.sh changed") }, "\(r2.failed)")
        XCTAssertEqual(fake.ran, [])
    }

    func testADescriptionChangedAfterItWasWrittenIsRefused() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Self.chain)
        try h.write("b.sh", "echo b\n")
        let path = try describe("a", h)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "echo a", with: "rm -rf ~")
        try FileManager.default.removeItem(atPath: path)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try runner(path, h, FakeExecutor())) { e in
            XCTAssertTrue("\(e)".contains("was changed after it was written"), "\(e)")
        }
    }

    /// A chain submitted all at once: each job finds exactly the output the job before it
    /// recorded, never the output of another build's job of the same node.
    func testADetachedChainReadsExactlyItsOwnInputsJobsOutputs() async throws {
        let h = try BuilderHarness()
        try h.write("b.sh", "echo b\n")
        try h.write("v1.yaml", Self.chain)
        try h.write("v2.yaml", Self.chain.replacingOccurrences(of: "n: 1", with: "n: 2"))
        let a1 = try describe("a", h, file: "v1.yaml")
        let b1 = try describe("b", h, file: "v1.yaml")
        let c1 = try describe("c", h, file: "v1.yaml", upstream: ["b": try Self.digest(of: b1)])
        let a2 = try describe("a", h, file: "v2.yaml")
        let b2 = try describe("b", h, file: "v2.yaml")
        let fake = FakeExecutor()
        // Another build's job of `b` records last: `c` of the first build must not read it.
        let r1 = try await runner(a1, h, fake).run()
        XCTAssertTrue(r1.succeeded)
        let r2 = try await runner(a2, h, fake).run()
        XCTAssertTrue(r2.succeeded)
        let r3 = try await runner(b1, h, fake).run()
        XCTAssertEqual(r3.ran, ["b"])
        let r4 = try await runner(b2, h, fake).run()
        XCTAssertEqual(r4.ran, ["b"])
        let r5 = try await runner(c1, h, fake).run()
        XCTAssertEqual(r5.ran, ["c"])
        let store = try Store(root: h.dir + "/cache")
        let b1Key = try XCTUnwrap(store.describedKey(try Self.digest(of: b1)))
        let b2Key = try XCTUnwrap(store.describedKey(try Self.digest(of: b2)))
        let cKey = try XCTUnwrap(store.describedKey(try Self.digest(of: c1)))
        XCTAssertNotEqual(b1Key, b2Key)
        XCTAssertEqual(try XCTUnwrap(try store.record(forKey: cKey)).inputs["y"], store.outputDigest(forKey: b1Key))
        // The same chain built locally from v1 is all cached: the jobs recorded the same keys.
        let v1 = try h.builder(FakeExecutor(), options: BuildOptions(jobs: 1), file: "v1.yaml")
        let local = try await v1.build(selection: Array(v1.graph.nodes.indices))
        XCTAssertEqual(local.ran, [])
        XCTAssertEqual(local.cached, 3)
        // A job whose key is already recorded ends at once (early cutoff) and notes the key.
        let again = try describe("c", h, file: "v1.yaml", upstream: ["b": try Self.digest(of: b1)])
        let cutoff = try await runner(again, h, fake).run()
        XCTAssertEqual(cutoff.cached, 1)
        XCTAssertEqual(fake.ran, ["a", "a", "b", "b", "c"])
        let byOutput = try describe("c", h, file: "v1.yaml", byOutput: true)
        XCTAssertTrue(try String(contentsOfFile: byOutput, encoding: .utf8).contains("\"output\""))
        let cutoffByOutput = try await runner(byOutput, h, fake).run()
        XCTAssertEqual(cutoffByOutput.cached, 1)
        // Forced, it runs anyway.
        let forced = try describe("c", h, file: "v1.yaml", forced: true)
        let r6 = try await runner(forced, h, fake).run()
        XCTAssertEqual(r6.ran, ["c"])
    }

    func testTheDescriptionHoldsTheNodeAsTheHeadExpandedIt() throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        let b = try h.builder(FakeExecutor())
        let path = try describe("eval/data=3k/model=big", h)
        let (data, _) = try b.store.readJobDescription(at: path)
        let d = try NodeDescription.decode(data, path: path)
        let node = try d.node.node()
        let original = try XCTUnwrap(b.graph.nodes.first { $0.id == "eval/data=3k/model=big" })
        // Every field survives the round trip: the runner's node is the head's.
        XCTAssertEqual(try DescribedNode(node).encodedForTest(), try DescribedNode(original).encodedForTest())
        XCTAssertEqual(node.command, original.command)
        XCTAssertEqual(node.params, original.params)
        XCTAssertNil(d.expectedKey, "its input is not built, so the head cannot know its key")
        // Another format is refused with a message that says what to do.
        let other = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"format\":1", with: "\"format\":99")
        XCTAssertThrowsError(try NodeDescription.decode(Data(other.utf8), path: "x.json")) { e in
            XCTAssertTrue("\(e)".contains("format 99"), "\(e)")
        }
    }

    /// Params whose canonical text plain JSON would change (a double with no fraction comes back
    /// an integer): the runner's key must still be the head's.
    func testParamsKeepTheirTypesSoTheRunnersKeyIsTheHeads() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", """
            steps:
              p:
                params: { lr: 1.0, eps: 1.0e-8, big: 12345678901234, huge: 1.0e300, n: -3, flag: true, none: null,
                          nested: { double: 2.0, object: [1, 2.0, "3.0"] } }
                command: echo p {{ out }}

            """)
        let path = try describe("p", h)
        let b = try h.builder(FakeExecutor())
        let (data, _) = try b.store.readJobDescription(at: path)
        let node = try NodeDescription.decode(data, path: path).node.node()
        XCTAssertEqual(node.params.canonical, b.graph.nodes[0].params.canonical)
        let fake = FakeExecutor()
        let r = try await runner(path, h, fake).run()
        XCTAssertEqual(r.ran, ["p"], "\(r.failed)")
    }

    static func digest(of path: String) throws -> Digest {
        try XCTUnwrap(Digest(hex: String((path as NSString).lastPathComponent.dropLast(5))))
    }

    static let chain = """
        steps:
          a:
            params: { n: 1 }
            command: echo a {{ out }}
          b:
            inputs: { x: a }
            code: b.sh
            command: sh b.sh {{ inputs.x }} {{ out }}
          c:
            inputs: { y: b }
            command: echo c {{ inputs.y }} {{ out }}

        """
}

extension DescribedNode {
    func encodedForTest() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(self)
    }
}
