import Foundation
import XCTest

/// The store's job registry (`jobs/`) never follows, reports or cancels a job that is not the
/// node's own, and never lets a node be submitted twice: ids reused by a controller started
/// afresh, heads racing on one file, a head killed between sbatch and the registry write.
final class SlurmRegistryTests: SlurmTestCase {
    /// Builds `file` with `args`, waiting at most `timeout` seconds; a build still running then
    /// is terminated and fails the test.
    private func runBounded(_ h: CLIHarness, _ args: [String], timeout: Double, env: [String: String] = [:]) throws -> (status: Int32, log: String) {
        let log = "run-\(UUID().uuidString.prefix(8)).log"
        let p = try h.start(args, outputTo: log, env: env)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
            XCTFail("xgraph \(args.joined(separator: " ")) still ran after \(timeout) s: \((try? h.read(log)) ?? "")")
        }
        p.waitUntilExit()
        return (p.terminationStatus, (try? h.read(log)) ?? "")
    }

    /// The status line of `node` (`STATE  NODE…`), or "" when there is none.
    private static func statusLine(_ out: String, node: String) -> String {
        out.split(separator: "\n").first { $0.contains("  \(node)  ") || $0.hasSuffix("  \(node)") || $0.contains("  \(node):") }.map(String.init) ?? ""
    }

    /// Item 1: a job registered on one controller, then an unrelated job given the same id by a
    /// controller started afresh (ids restart at 1).
    func testAJobIdReusedAfterAFreshControllerIsNeitherShownNorCancelledNorFollowed() throws {
        let h = try CLIHarness()
        try h.write("e.yaml", """
            steps:
              p:
                command: echo > {{ out }}/x
              a:
                command: echo a > {{ out }}/x

            """)
        // The probe and one node first, so the held job of `a` gets a later id.
        let first = try h.run(["build", "e.yaml", "p", "--executor", "slurm", "--store", "s"])
        XCTAssertEqual(first.status, 0, first.all)
        let detached = try h.run(["build", "e.yaml", "a", "--executor", "slurm", "--store", "s", "--detach", "--sbatch-arg=--hold"])
        XCTAssertEqual(detached.status, 0, detached.all)
        let old = try XCTUnwrap(Self.queuedJobs(detached.out)["a"], detached.all)
        let oldID = try XCTUnwrap(Int(old))

        // A controller with fresh state: ids start again at 1.
        Self.cluster?.stop()
        let fresh = try SlurmCluster.start()
        Self.cluster = fresh
        for (k, v) in fresh.environment { setenv(k, v, 1) }
        var unrelated = 0
        while unrelated < oldID { unrelated = try fresh.submit(["--job-name=sleep", "--output=/dev/null", "--wrap", "sleep 300"], as: h) }
        XCTAssertEqual(unrelated, oldID, "the fresh controller did not reuse the id")

        let status = try h.run(["status", "e.yaml", "--store", "s"])
        let line = Self.statusLine(status.out, node: "a")
        XCTAssertFalse(line.hasPrefix("queued") || line.hasPrefix("running"), "status took job \(old) for a's: \(status.out)")

        let cancel = try h.run(["cancel", "e.yaml", "--store", "s"])
        XCTAssertEqual(cancel.status, 0, cancel.all)
        XCTAssertFalse(cancel.out.contains("cancelled a"), cancel.out)
        XCTAssertTrue(try queue().contains { $0.id == old && $0.name == "sleep" }, "cancel killed the unrelated job \(old)")

        let build = try runBounded(h, ["build", "e.yaml", "--executor", "slurm", "--store", "s"], timeout: 90)
        XCTAssertEqual(build.status, 0, build.log)
        let again = try XCTUnwrap(Self.queuedJobs(build.log)["a"], "a was not submitted again: \(build.log)")
        XCTAssertNotEqual(again, old, build.log)
        XCTAssertEqual(try h.keys("s").count, 2)
        XCTAssertTrue(try queue().contains { $0.id == old && $0.name == "sleep" }, "the build disturbed the unrelated job")
    }

    /// Item 2: two `--detach` builds started at once submit each node once.
    func testTwoDetachedBuildsAtOnceSubmitEachNodeOnce() throws {
        let h = try CLIHarness()
        try h.write("w.yaml", """
            steps:
              w:
                foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }
                command: sleep 300; echo > {{ out }}/x

            """)
        let sbatch = try SbatchWrapper(h)
        let args = ["build", "w.yaml", "--executor", "slurm", "--store", "s", "--detach"]
        // A second per sbatch (the head holds the node's lock meanwhile) makes the two loops
        // overlap, whichever head's probe ends first: each finds the other's entries newer
        // than its first look at the queue.
        let heads = try (0..<2).map { try h.start(args, outputTo: "head\($0).log", env: sbatch.environment(pause: 1)) }
        for p in heads { p.waitUntilExit() }
        for (n, p) in heads.enumerated() { XCTAssertEqual(p.terminationStatus, 0, (try? h.read("head\(n).log")) ?? "") }
        // The nodes go out as array tasks (they are ready together): count nodes, not jobs.
        let queued = try (0..<2).map { Self.queuedJobs(try h.read("head\($0).log")) }
        XCTAssertEqual(Set(queued[0].keys).union(queued[1].keys).count, 10, "\(queued)")
        // A node both heads name is one job: the second followed the first's ("still queued").
        for (node, job) in queued[0] { XCTAssertEqual(queued[1][node] ?? job, job, "a node was submitted twice: \(queued)") }
        XCTAssertEqual(Set(queued[0].values).union(queued[1].values).count, 10, "\(queued)")
        XCTAssertLessThanOrEqual(try sbatch.calls().count, 2)

        let status = try h.run(["status", "w.yaml", "--store", "s"])
        XCTAssertFalse(status.out.contains("lost"), status.out)
        XCTAssertEqual(status.out.components(separatedBy: "(Slurm job ").count - 1, 10, status.out)
        let cancel = try h.run(["cancel", "w.yaml", "--store", "s"])
        XCTAssertTrue(cancel.out.contains("cancelled 10 jobs"), cancel.out)
        try wait("an empty queue") { try queue().isEmpty }
    }

    /// Item 3: two attached heads on one file follow each other's jobs instead of submitting
    /// a second one.
    func testTwoAttachedHeadsOnOneFileSubmitEachNodeOnce() throws {
        let h = try CLIHarness()
        try h.write("f.yaml", Self.fan)
        let sbatch = try SbatchWrapper(h)
        // One job per node, so the wrapper's count per job name is a count per node
        // (SlurmArrayTests races heads with arrays).
        let args = ["build", "f.yaml", "--executor", "slurm", "--store", "s", "--slurm-arrays", "off"]
        let heads = try (0..<2).map { try h.start(args, outputTo: "head\($0).log", env: sbatch.environment()) }
        for p in heads { p.waitUntilExit() }
        for (n, p) in heads.enumerated() { XCTAssertEqual(p.terminationStatus, 0, (try? h.read("head\(n).log")) ?? "") }
        let counts = try sbatch.counts()
        XCTAssertEqual(counts.count, 13, "\(counts)")
        XCTAssertEqual(counts.values.max(), 1, "a node was submitted twice: \(counts)")
        XCTAssertEqual(try h.keys("s").count, 13)
    }

    /// One root feeding twelve.
    static let fan = """
        steps:
          root:
            command: sleep 2; echo r > {{ out }}/x
          leaf:
            foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }
            inputs: { r: root }
            command: sleep 1; cat {{ inputs.r }}/x > {{ out }}/x

        """

    /// Item 5: SIGKILL of the head after sbatch made the job and before the registry names it.
    func testAJobSubmittedByAHeadKilledBeforeRecordingItIsSeenAndAdopted() throws {
        let h = try CLIHarness()
        try h.write("k.yaml", """
            steps:
              k:
                command: sleep 3; echo > {{ out }}/x

            """)
        let sbatch = try SbatchWrapper(h)
        let head = try h.start(["build", "k.yaml", "--executor", "slurm", "--store", "s"], outputTo: "head.log",
                               env: sbatch.environment(pause: 30))
        try wait("sbatch to submit k") { sbatch.paused }
        kill(head.processIdentifier, SIGKILL)
        head.waitUntilExit()
        let job = try XCTUnwrap(try sbatch.calls().first { $0.name == "xg:k" }?.id)

        let status = try h.run(["status", "k.yaml", "--store", "s"])
        XCTAssertTrue(status.out.contains("k  (Slurm job \(job))"), "status does not see the orphan job \(job): \(status.out)")
        let build = try runBounded(h, ["build", "k.yaml", "--executor", "slurm", "--store", "s"], timeout: 90, env: sbatch.environment())
        XCTAssertEqual(build.status, 0, build.log)
        XCTAssertEqual(try sbatch.counts()["xg:k"], 1, "k was submitted again: \(build.log)")
        XCTAssertEqual(Self.queuedJobs(build.log)["k"], job, build.log)
        XCTAssertEqual(try h.keys("s").count, 1)
    }

    /// …and `cancel` finds such an orphan too.
    func testCancelFindsAJobWhoseHeadWasKilledBeforeRecordingIt() throws {
        let h = try CLIHarness()
        try h.write("k.yaml", """
            steps:
              k:
                command: sleep 300; echo > {{ out }}/x

            """)
        let sbatch = try SbatchWrapper(h)
        let head = try h.start(["build", "k.yaml", "--executor", "slurm", "--store", "s", "--detach"], outputTo: "head.log",
                               env: sbatch.environment(pause: 30))
        try wait("sbatch to submit k") { sbatch.paused }
        kill(head.processIdentifier, SIGKILL)
        head.waitUntilExit()
        let job = try XCTUnwrap(try sbatch.calls().first { $0.name == "xg:k" }?.id)
        let cancel = try h.run(["cancel", "k.yaml", "--store", "s"])
        XCTAssertTrue(cancel.out.contains("cancelled k (Slurm job \(job))"), cancel.all)
        try wait("the orphan to leave the queue") { try queue().isEmpty }
    }

    /// Item 4: `--begin` (and the other options that only say when a job may start) hold the
    /// nodes' jobs, not the probe.
    func testATimeOnlySbatchArgDoesNotHoldTheProbe() throws {
        let h = try CLIHarness()
        try h.write("b.yaml", """
            steps:
              b:
                command: echo > {{ out }}/x

            """)
        let r = try runBounded(h, ["build", "b.yaml", "--executor", "slurm", "--store", "s", "--detach",
                                   "--sbatch-arg=--begin=now+3600", "--sbatch-arg=--nice=100"], timeout: 60)
        XCTAssertEqual(r.status, 0, r.log)
        let job = try XCTUnwrap(Self.queuedJobs(r.log)["b"], r.log)
        let state = try cluster.client("squeue", ["--noheader", "--jobs", job, "--format=%T %r"])
        XCTAssertTrue(state.contains("PENDING") && state.contains("BeginTime"), "the node's job lost its --begin: \(state)")
        XCTAssertFalse(try queue().contains { $0.name == "xg:probe" })
    }

    /// Item 4: a probe that cannot start is given up after XGRAPH_PROBE_WAIT, and one whose head
    /// is interrupted is cancelled; neither stays queued.
    func testAProbeThatCannotStartIsCancelledWhenItsWaitEndsOrTheHeadIsInterrupted() throws {
        let h = try CLIHarness()
        try h.write("b.yaml", """
            steps:
              b:
                command: echo > {{ out }}/x

            """)
        // The whole node, so the probe waits (Resources).
        let blocker = try cluster.submit(["--exclusive", "--job-name=blocker", "--output=/dev/null", "--wrap", "sleep 300"], as: h)
        try wait("the blocker to run") { try queue().contains { $0.id == String(blocker) && $0.state == "RUNNING" } }

        let bounded = try runBounded(h, ["build", "b.yaml", "--executor", "slurm", "--store", "s"], timeout: 60,
                                     env: ["XGRAPH_PROBE_WAIT": "3"])
        XCTAssertEqual(bounded.status, 1, bounded.log)
        XCTAssertTrue(bounded.log.contains("did not run within 3 s") && bounded.log.contains("XGRAPH_PROBE_WAIT"), bounded.log)
        try wait("the probe to be cancelled") { try queue().map(\.name) == ["blocker"] }

        let head = try h.start(["build", "b.yaml", "--executor", "slurm", "--store", "s", "--detach"], outputTo: "head.log")
        try wait("the probe to be waited for") { (try? h.read("head.log"))?.contains("probe: Slurm job") ?? false }
        kill(head.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(30)
        while head.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if head.isRunning { head.terminate() }
        head.waitUntilExit()
        // Handled, not killed by it: exit 128 + SIGTERM, as shells report a stopped command.
        XCTAssertEqual(head.terminationReason, .exit, (try? h.read("head.log")) ?? "")
        XCTAssertEqual(head.terminationStatus, 128 + SIGTERM, (try? h.read("head.log")) ?? "")
        try wait("the probe to be cancelled") { try queue().map(\.name) == ["blocker"] }
    }

    /// A job queued for an earlier version of a node would run nothing (its runner refuses a
    /// changed key) and, once the registry names its replacement, no command would see it.
    func testAJobForAnEarlierVersionOfANodeIsCancelledWhenItsReplacementIsSubmitted() throws {
        let h = try CLIHarness()
        for version in [1, 2] {
            try h.write("v.yaml", """
                steps:
                  v:
                    command: sleep 300; echo \(version) > {{ out }}/x

                """)
            let r = try h.run(["build", "v.yaml", "--executor", "slurm", "--store", "s", "--detach"])
            XCTAssertEqual(r.status, 0, r.all)
            if version == 2 { XCTAssertTrue(r.out.contains("cancelled v's Slurm job"), r.out) }
        }
        let jobs = try queue().filter { $0.name == "xg:v" }
        let status = try h.run(["status", "v.yaml", "--store", "s"])
        try wait("one job of v left") { try queue().filter { $0.name == "xg:v" }.count == 1 }
        let left = try XCTUnwrap(try queue().first { $0.name == "xg:v" }?.id)
        XCTAssertTrue(status.out.contains("v  (Slurm job \(left))"), status.out)
        XCTAssertLessThanOrEqual(jobs.count, 2)
        let cancel = try h.run(["cancel", "v.yaml", "--store", "s"])
        XCTAssertTrue(cancel.out.contains("cancelled 1 job;"), cancel.out)
        try wait("an empty queue") { try queue().isEmpty }
    }
}
