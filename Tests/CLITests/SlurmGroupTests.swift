import Foundation
import XCTest

/// Grouped jobs (`group:`) against a real Slurm, on SlurmArrayTests' cluster: a group's nodes
/// share one array task and one runner process, each is recorded as it ends, and a group that
/// ends half-way keeps what it finished.
extension SlurmArrayTests {
    /// An `XGRAPH_REMOTE_BIN` that notes each runner it starts (`run-node`): its process id
    /// (kept by `exec`, so the runner's own) and how many nodes it was given, then runs xgraph.
    /// With `tamper`, it first appends a byte to the second node's description, as if that
    /// file were changed after the head wrote it.
    private struct RunnerWrapper {
        let harness: CLIHarness
        let folder = "runner-wrapper"

        init(_ h: CLIHarness, tamper: Bool = false) throws {
            harness = h
            let dir = h.dir.appendingPathComponent(folder).path
            try h.write(folder + "/xgraph", """
                #!/bin/sh
                n=0; second=; prev=
                for a in "$@"; do
                  if [ "$prev" = --description ]; then n=$((n + 1)); [ $n -eq 2 ] && second=$a; fi
                  prev=$a
                done
                if [ "${1:-}" = run-node ]; then printf '%s %s\\n' "$$" "$n" >> '\(dir)/runners'; fi
                \(tamper ? #"if [ -n "$second" ]; then chmod u+w "$second"; printf ' ' >> "$second"; fi"# : "")
                exec '\(h.binary)' "$@"

                """)
            chmod(dir + "/xgraph", 0o755)
            try h.write(folder + "/runners", "")
        }

        var environment: [String: String] { ["XGRAPH_REMOTE_BIN": harness.dir.appendingPathComponent(folder + "/xgraph").path] }

        /// Each runner started: its pid and its number of nodes.
        func runners() throws -> [(pid: pid_t, nodes: Int)] {
            try harness.read(folder + "/runners").split(separator: "\n").compactMap { line in
                let w = line.split(separator: " ")
                guard w.count == 2, let pid = pid_t(w[0]), let n = Int(w[1]) else { return nil }
                return (pid, n)
            }
        }
    }

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
    private func startGroup(_ h: CLIHarness, _ sbatch: SbatchWrapper, _ runner: RunnerWrapper,
                            recorded n: Int) throws -> (Process, String) {
        let build = try h.start(["build", "g.yaml", "--executor", "slurm", "--store", "s"], outputTo: "build.log",
                                env: sbatch.environment().merging(runner.environment) { $1 })
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
        let (build, _) = try startGroup(h, sbatch, try RunnerWrapper(h), recorded: 2)
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

    /// SIGKILL to the batch shell of a group's task alone, as a crash would end it (`scancel`
    /// would make Slurm write that the job was cancelled): the task's line `exec`s its runner,
    /// so the batch shell is the one runner of eight nodes.
    private func killBatchShell(_ runner: RunnerWrapper) throws {
        let all = try runner.runners()
        let grouped = all.filter { $0.nodes == 8 }
        XCTAssertEqual(grouped.count, 1, "\(all)")
        let pid = try XCTUnwrap(grouped.first?.pid)
        XCTAssertEqual(kill(pid, SIGKILL), 0, "the group's runner \(pid) is not running")
    }

    func testNodesAGroupNeverReachedGoOutAgainAlone() throws {
        let h = try CLIHarness()
        try h.write("g.yaml", Self.grouped(sleep: 1, retries: 1))
        let sbatch = try SbatchWrapper(h)
        let runner = try RunnerWrapper(h)
        let (build, _) = try startGroup(h, sbatch, runner, recorded: 2)
        defer { if build.isRunning { build.terminate(); build.waitUntilExit() } }
        try killBatchShell(runner)
        try wait("the head to end", timeout: 120) { !build.isRunning }
        let log = try h.read("build.log")
        XCTAssertEqual(build.terminationStatus, 0, log)
        XCTAssertEqual(try h.keys("s").count, 8)
        XCTAssertTrue(log.contains("the job of its group ended before it started; submitting it again on its own"), log)
        XCTAssertGreaterThan(try sbatch.calls().count, 1)
    }

    /// A group's nodes run in one runner process (the task's batch shell), one after another,
    /// each writing its own log: its own "running" line and closing line, no neighbour's.
    func testAGroupsNodesRunInOneRunnerProcessEachIntoItsOwnLog() throws {
        let h = try CLIHarness()
        try h.write("g.yaml", Self.grouped(sleep: 0))
        let sbatch = try SbatchWrapper(h)
        let runner = try RunnerWrapper(h)
        let r = try h.run(["build", "g.yaml", "--executor", "slurm", "--store", "s"],
                          env: sbatch.environment().merging(runner.environment) { $1 })
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try h.keys("s").count, 8, r.all)
        XCTAssertEqual(Set(Self.queuedJobs(r.out).values).count, 1, "the group is not one task: \(r.out)")
        let runners = try runner.runners()
        XCTAssertEqual(runners.map(\.nodes), [8], "not one runner process for the group's eight nodes: \(runners)")
        for i in 1...8 {
            let log = try h.run(["logs", "e/i=\(i)", "--store", "s"])
            XCTAssertEqual(log.status, 0, log.all)
            let running = log.out.split(separator: "\n").filter { $0.hasPrefix("xgraph: running ") }
            XCTAssertEqual(running.count, 1, "e/i=\(i)'s log: \(log.out)")
            XCTAssertTrue(running.first?.hasPrefix("xgraph: running e/i=\(i) ") ?? false, "e/i=\(i)'s log: \(log.out)")
            XCTAssertTrue(log.out.contains("xgraph run-node: done"), "e/i=\(i)'s log: \(log.out)")
        }
    }

    /// A node of a group whose description was changed after the head wrote it is refused, in
    /// its own log, while the other nodes of the same runner run and are recorded; building
    /// again runs that node alone.
    func testATamperedDescriptionFailsItsNodeAloneWhileTheRestOfItsGroupRecord() throws {
        let h = try CLIHarness()
        try h.write("g.yaml", Self.grouped(sleep: 0))
        let sbatch = try SbatchWrapper(h)
        let runner = try RunnerWrapper(h, tamper: true)
        let r = try h.run(["build", "g.yaml", "--executor", "slurm", "--store", "s"],
                          env: sbatch.environment().merging(runner.environment) { $1 })
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertEqual(try runner.runners().map(\.nodes), [8], r.all)
        XCTAssertEqual(try h.keys("s").count, 7, "the other seven nodes of the runner are recorded: \(r.all)")
        var refused: [Int] = []
        for i in 1...8 {
            let log = try h.run(["logs", "e/i=\(i)", "--store", "s"])
            if log.out.contains("was changed after it was written") {
                refused.append(i)
                XCTAssertFalse(log.out.contains("xgraph: running"), "a refused description ran: \(log.out)")
            } else {
                XCTAssertTrue(log.out.contains("xgraph run-node: done"), "e/i=\(i)'s log: \(log.out)")
            }
        }
        XCTAssertEqual(refused.count, 1, "exactly the second node's description was changed: \(refused)")
        let node = "e/i=\(refused.first ?? 0)"
        XCTAssertTrue(r.all.contains(node), r.all)

        let again = try h.run(["build", "g.yaml", "--executor", "slurm", "--store", "s"], env: sbatch.environment())
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertEqual(Array(Self.queuedJobs(again.out).keys), [node], again.out)
        XCTAssertEqual(try h.keys("s").count, 8)
    }
}
