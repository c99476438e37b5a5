import Foundation
import XCTest

/// Grouped jobs (`group:`) against a real Slurm, on SlurmArrayTests' cluster: a group's nodes
/// share one array task, each is recorded as it ends, and a group that ends half-way keeps what
/// it finished.
extension SlurmArrayTests {
    /// Eight nodes of a few seconds that share one job (`group:`).
    private static func grouped(sleep: Int, retries: Int = 0) -> String {
        """
        steps:
          e:
            foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8] }
            group: { max_nodes: 8, max_time: 10m }
            retries: \(retries)
            command: sleep \(sleep); echo {{ i }} > {{ out }}/x

        """
    }

    /// Starts a build of `grouped(...)` and waits until `n` of its nodes are recorded while
    /// their group's one task still runs; returns the head and that task's id.
    private func startGroup(_ h: CLIHarness, _ sbatch: SbatchWrapper, recorded n: Int) throws -> (Process, String) {
        let build = try h.start(["build", "g.yaml", "--executor", "slurm", "--store", "s"], outputTo: "build.log",
                                env: sbatch.environment())
        try wait("\(n) grouped nodes recorded", timeout: 90) { ((try? h.keys("s"))?.count ?? 0) >= n }
        let started = try h.read("build.log")
        let jobs = Self.queuedJobs(started)
        XCTAssertEqual(jobs.count, 8, started)
        XCTAssertEqual(Set(jobs.values).count, 1, "the group is not one task: \(jobs)")
        XCTAssertEqual(try sbatch.calls().count, 1)
        let task = try XCTUnwrap(jobs.values.first)
        XCTAssertTrue(try queue().contains { $0.id == task }, "the group's task ended before its nodes did")
        // Recorded one by one: the head reports each node as its record appears.
        try wait("the head to report the recorded nodes") {
            ((try? h.read("build.log")) ?? "").components(separatedBy: "] done   e/i=").count - 1 >= n
        }
        return (build, task)
    }

    func testAGroupsNodesAreRecordedOneByOneAndACancelledGroupKeepsWhatItFinished() throws {
        let h = try CLIHarness()
        try h.write("g.yaml", Self.grouped(sleep: 1))
        let sbatch = try SbatchWrapper(h)
        let (build, _) = try startGroup(h, sbatch, recorded: 2)
        defer { if build.isRunning { build.terminate(); build.waitUntilExit() } }
        XCTAssertEqual(try h.run(["cancel", "g.yaml", "--store", "s"]).status, 0)
        try wait("the head to end", timeout: 30) { !build.isRunning }
        let log = try h.read("build.log")
        XCTAssertEqual(build.terminationStatus, 1, log)
        let kept = try h.keys("s").count
        XCTAssertTrue((2..<8).contains(kept), "\(kept) records: \(log)")
        XCTAssertEqual(try sbatch.calls().count, 1, "a cancelled group's nodes were submitted again: \(log)")

        let again = try h.run(["build", "g.yaml", "--executor", "slurm", "--store", "s"], env: sbatch.environment())
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertEqual(Self.queuedJobs(again.out).count, 8 - kept, "the second build ran finished nodes again: \(again.out)")
        XCTAssertEqual(try h.keys("s").count, 8)
    }

    /// A group's job that dies half-way (its batch shell killed, as a failed node or the time
    /// limit would): what it finished stays, the node it was running is retried, and the nodes
    /// it never reached go out again on their own.
    /// A node that fails inside its group's job: the job goes on with the next nodes, and only
    /// the failed node's dependents are blocked.
    func testAFailingNodeOfAGroupBlocksOnlyItsOwnDependents() throws {
        let h = try CLIHarness()
        try h.write("f.yaml", """
            steps:
              e:
                foreach: { i: [1, 2, 3, 4] }
                group: { max_nodes: 4 }
                command: if [ {{ i }} = 2 ]; then echo "bad two" >&2; exit 3; fi; echo {{ i }} > {{ out }}/x
              d:
                foreach: { i: [1, 2, 3, 4] }
                inputs: { e: e }
                command: cat {{ inputs.e }}/x > {{ out }}/y

            """)
        let sbatch = try SbatchWrapper(h)
        let r = try h.run(["build", "f.yaml", "--executor", "slurm", "--store", "s", "-k"], env: sbatch.environment())
        XCTAssertEqual(r.status, 1, r.all)
        let queued = Self.queuedJobs(r.out)
        XCTAssertEqual(Set((1...4).compactMap { queued["e/i=\($0)"] }).count, 1, "the group is not one task: \(queued)")
        XCTAssertTrue(r.all.contains("blocked: d/i=2"), r.all)
        XCTAssertNil(queued["d/i=2"], r.out)
        XCTAssertEqual(try h.keys("s").count, 6, "e/i=1,3,4 and their d: \(r.all)")
        let log = try h.run(["logs", "e/i=2", "--store", "s"])
        XCTAssertTrue(log.out.contains("bad two"), log.all)
        XCTAssertFalse(log.out.contains("xgraph: running e/i=3"), "a neighbour's output went to this node's log: \(log.out)")
    }

    /// SIGKILL to the batch shell of `task` alone, as a crash would end it (`scancel` would make
    /// Slurm write that the job was cancelled): the process running the task's script from
    /// this cluster's spool folder.
    private func killBatchShell(of task: String) throws {
        let shown = try cluster.client("scontrol", ["show", "job", "-o", task])
        let id = try XCTUnwrap(shown.split(separator: " ").first { $0.hasPrefix("JobId=") }?.dropFirst(6))
        let script = try cluster.dir.appendingPathComponent("spool/job\(String(repeating: "0", count: max(0, 5 - id.count)))\(id)/slurm_script").path
        var killed = 0
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = pid_t(entry), let cmd = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let words = cmd.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if words.contains(script) { kill(pid, SIGKILL); killed += 1 }
        }
        XCTAssertEqual(killed, 1, "no batch shell runs \(script)")
    }

    func testNodesAGroupNeverReachedGoOutAgainAlone() throws {
        let h = try CLIHarness()
        try h.write("g.yaml", Self.grouped(sleep: 1, retries: 1))
        let sbatch = try SbatchWrapper(h)
        let (build, task) = try startGroup(h, sbatch, recorded: 2)
        defer { if build.isRunning { build.terminate(); build.waitUntilExit() } }
        try killBatchShell(of: task)
        try wait("the head to end", timeout: 120) { !build.isRunning }
        let log = try h.read("build.log")
        XCTAssertEqual(build.terminationStatus, 0, log)
        XCTAssertEqual(try h.keys("s").count, 8)
        XCTAssertTrue(log.contains("the job of its group ended before it started; submitting it again on its own"), log)
        XCTAssertGreaterThan(try sbatch.calls().count, 1)
    }
}
