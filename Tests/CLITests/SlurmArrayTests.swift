import Foundation
import XCTest

/// Job arrays against a real Slurm: nodes of one shape ready together go out as one
/// `sbatch --array`, and each node stays a job of its own for the throttle, `cancel`, requeue,
/// failures and a head killed between `sbatch` and the registry.
final class SlurmArrayTests: SlurmTestCase {
    /// The number of tasks running now.
    private func running() throws -> Int {
        try cluster.client("squeue", ["--array", "--noheader", "--states=RUNNING", "--format=%i"])
            .split(separator: "\n").count
    }

    func testTwoHundredNodesGoOutInAtMostThreeSbatchCallsThrottledAndEqualTheLocalBuild() throws {
        let h = try CLIHarness()
        try h.write("w.yaml", """
            steps:
              w:
                foreach: { i: [\((0..<200).map(String.init).joined(separator: ", "))] }
                command: echo {{ i }} > {{ out }}/v.txt

            """)
        let sbatch = try SbatchWrapper(h)
        let build = try h.start(["build", "w.yaml", "--executor", "slurm", "--store", "on-slurm", "--max-running", "5"],
                                outputTo: "build.log", env: sbatch.environment())
        var most = 0
        while build.isRunning {
            most = max(most, (try? running()) ?? 0)
            Thread.sleep(forTimeInterval: 0.1)
        }
        let log = try h.read("build.log")
        XCTAssertEqual(build.terminationStatus, 0, log)
        let calls = try sbatch.calls()
        XCTAssertLessThanOrEqual(calls.count, 3, "\(calls)")
        let arrays = try sbatch.arrays()
        XCTAssertTrue(arrays.allSatisfy { $0.hasSuffix("%5") }, "\(arrays)")
        XCTAssertLessThanOrEqual(most, 5, "more tasks ran at once than --max-running 5")
        XCTAssertGreaterThanOrEqual(most, 2, "tasks were never seen running side by side")
        // Each node is a task of its own in the registry.
        let queued = Self.queuedJobs(log)
        XCTAssertEqual(queued.count, 200, log)
        XCTAssertEqual(Set(queued.values).count, 200, "two nodes share a task: \(queued)")
        XCTAssertTrue(queued.values.allSatisfy { $0.contains("_") }, "\(queued)")

        let local = try h.run(["build", "w.yaml", "--store", "here"])
        XCTAssertEqual(local.status, 0, local.all)
        XCTAssertEqual(try h.keys("on-slurm"), try h.keys("here"))
        XCTAssertEqual(try h.keys("on-slurm").count, 200)
        XCTAssertEqual(h.listing("on-slurm/artifacts"), h.listing("here/artifacts"))
        let log7 = try h.run(["logs", "w/i=7", "--store", "on-slurm"])
        XCTAssertTrue(log7.out.contains("xgraph: running"), log7.all)
        // Nothing of the arrays is left once their tasks ended.
        let folders = h.dir.appendingPathComponent("on-slurm/jobs/arrays").path
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: folders)) ?? [], [])
    }

    func testCancellingOneNodeCancelsOnlyItsTask() throws {
        let h = try CLIHarness()
        try h.write("c.yaml", """
            steps:
              s:
                foreach: { i: [1, 2, 3] }
                command: sleep 300; echo > {{ out }}/x

            """)
        let build = try h.start(["build", "c.yaml", "--executor", "slurm", "--store", "s", "-k"], outputTo: "build.log")
        defer { if build.isRunning { build.terminate(); build.waitUntilExit() } }
        try wait("three nodes queued") { Self.queuedJobs((try? h.read("build.log")) ?? "").count == 3 }
        let jobs = Self.queuedJobs(try h.read("build.log"))
        let arrayIDs = Set(jobs.values.map { $0.split(separator: "_").first.map(String.init) ?? $0 })
        XCTAssertEqual(arrayIDs.count, 1, "the three nodes are not one array: \(jobs)")
        let cancel = try h.run(["cancel", "c.yaml", "s/i=2", "--store", "s"])
        XCTAssertEqual(cancel.status, 0, cancel.all)
        try wait("the task of s/i=2 to leave the queue") { try !queue().contains { $0.id == jobs["s/i=2"] } }
        let left = Set(try queue().map(\.id))
        XCTAssertTrue(left.contains(jobs["s/i=1"] ?? "?") && left.contains(jobs["s/i=3"] ?? "?"),
                      "cancelling one node touched its neighbours: \(left) of \(jobs)")
        try wait("the head to report s/i=2 failed") { (try? h.read("build.log"))?.contains("FAILED s/i=2") ?? false }
        XCTAssertTrue(build.isRunning, "the head stopped following the other tasks")
        XCTAssertEqual(try h.run(["cancel", "c.yaml", "--store", "s"]).status, 0)
        try wait("an empty queue") { try queue().isEmpty }
        try wait("the head to end", timeout: 30) { !build.isRunning }
        let log = try h.read("build.log")
        XCTAssertEqual(build.terminationStatus, 1, log)
    }

    /// SIGKILL of the head after `sbatch` made the array and before the registry names its
    /// tasks: the next build adopts every task instead of submitting the nodes again.
    func testAnArraySubmittedByAHeadKilledBeforeRecordingItIsAdopted() throws {
        let h = try CLIHarness()
        try h.write("k.yaml", """
            steps:
              k:
                foreach: { i: [1, 2, 3] }
                command: echo {{ i }} > {{ out }}/x

            """)
        let sbatch = try SbatchWrapper(h)
        // Held pending until released below: the second build must find the tasks queued (a
        // task already running would hold its node's lease, and the build would wait for that
        // instead of adopting the task).
        let args = ["build", "k.yaml", "--executor", "slurm", "--store", "s", "--sbatch-arg=--begin=now+1hour"]
        let head = try h.start(args, outputTo: "head.log", env: sbatch.environment(pause: 30))
        try wait("sbatch to submit the array") { sbatch.paused }
        kill(head.processIdentifier, SIGKILL)
        head.waitUntilExit()
        let calls = try sbatch.calls()
        XCTAssertEqual(calls.count, 1, "\(calls)")
        let array = try XCTUnwrap(calls.first?.id)

        let status = try h.run(["status", "k.yaml", "--store", "s"])
        for i in 1...3 { XCTAssertTrue(status.out.contains("k/i=\(i)  (Slurm job \(array)_"), status.out) }
        let build = try h.start(args, outputTo: "again.log", env: sbatch.environment())
        defer { if build.isRunning { build.terminate(); build.waitUntilExit() } }
        try wait("the second build to follow the three tasks") { Self.queuedJobs((try? h.read("again.log")) ?? "").count == 3 }
        _ = try cluster.client("scontrol", ["update", "jobid=\(array)", "StartTime=now"])
        try wait("the second build to end", timeout: 90) { !build.isRunning }
        let log = try h.read("again.log")
        XCTAssertEqual(build.terminationStatus, 0, log)
        XCTAssertEqual(try sbatch.calls().count, 1, "the nodes were submitted again: \(log)")
        XCTAssertEqual(Set(Self.queuedJobs(log).values), Set((0..<3).map { "\(array)_\($0)" }), log)
        XCTAssertEqual(try h.keys("s").count, 3)
    }

    /// Nodes (array tasks and single jobs) the wrapper saw submitted.
    private func nodesSubmitted(_ sbatch: SbatchWrapper) throws -> Int {
        let arrays = try sbatch.arrays()
        let tasks = arrays.map { a in (Int(a.split(separator: "%").first?.split(separator: "-").last ?? "") ?? -1) + 1 }
        return tasks.reduce(0, +) + (try sbatch.calls().count - arrays.count)
    }

    /// Two attached heads on one file, arrays on: one follows the other's tasks, and no node
    /// goes out twice.
    func testTwoAttachedHeadsWithArraysSubmitEachNodeOnce() throws {
        let h = try CLIHarness()
        try h.write("f.yaml", SlurmRegistryTests.fan)
        let sbatch = try SbatchWrapper(h)
        let args = ["build", "f.yaml", "--executor", "slurm", "--store", "s"]
        let heads = try (0..<2).map { try h.start(args, outputTo: "head\($0).log", env: sbatch.environment()) }
        for p in heads { p.waitUntilExit() }
        let logs = try (0..<2).map { try h.read("head\($0).log") }
        for (n, p) in heads.enumerated() { XCTAssertEqual(p.terminationStatus, 0, logs[n]) }
        let (calls, arrays) = (try sbatch.calls(), try sbatch.arrays())
        XCTAssertEqual(try nodesSubmitted(sbatch), 13, "\(calls) \(arrays)")
        let (a, b) = (Self.queuedJobs(logs[0]), Self.queuedJobs(logs[1]))
        for (node, job) in a where b[node] != nil { XCTAssertEqual(b[node], job, "\(node) went out twice") }
        XCTAssertEqual(try h.keys("s").count, 13)
    }

    /// Counts to 8 a second at a time, keeping the count in its resume folder (as
    /// SlurmJobControlTests' step), in two nodes that go out as one array.
    static let resumable = """
        steps:
          long:
            foreach: { i: [1, 2] }
            resume: true
            command: |
              trap 'echo "saving at $n"; exit 0' USR1
              save() { echo "$2" > {{ resume }}/$1.new && mv {{ resume }}/$1.new {{ resume }}/$1; }
              n=$(cat {{ resume }}/n 2>/dev/null); n=${n:-0}
              first=$n
              starts=$(cat {{ resume }}/starts 2>/dev/null); starts=$(( ${starts:-0} + 1 )); save starts $starts
              while [ $n -lt 8 ]; do n=$((n+1)); save n $n; sleep 1; done
              echo "{\\"starts\\": $starts, \\"resumed_at\\": $first, \\"i\\": {{ i }}}" > {{ out }}/metrics.json

        """

    func testRequeueOfOneTaskResumesOnlyIt() throws {
        try interruptOneTask { task in _ = try cluster.client("scontrol", ["requeue", task]) }
    }

    /// What Slurm sends a task before its time limit (`--signal=B:USR1@N`): the task's runner
    /// passes it to the step and requeues its own task (`A_i`), not the whole array.
    func testUSR1ToOneTaskRequeuesOnlyThatTask() throws {
        let h = try interruptOneTask { task in _ = try cluster.client("scancel", ["--signal=USR1", "--batch", task]) }
        let log = try h.run(["logs", "long/i=1", "--store", "s"]).out
        XCTAssertTrue(log.contains("saving at") && log.contains("requeueing Slurm job"), log)
    }

    /// Runs the two resumable nodes as one array, interrupts the task of `long/i=1` with
    /// `interrupt` once a step has counted to 3, and checks that only that task ran twice.
    @discardableResult
    private func interruptOneTask(_ interrupt: (String) throws -> Void) throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("r.yaml", Self.resumable)
        let build = try h.start(["build", "r.yaml", "--executor", "slurm", "--store", "s"], outputTo: "build.log")
        defer { if build.isRunning { build.terminate(); build.waitUntilExit() } }
        try wait("both nodes queued") { Self.queuedJobs((try? h.read("build.log")) ?? "").count == 2 }
        let task = try XCTUnwrap(Self.queuedJobs(try h.read("build.log"))["long/i=1"])
        XCTAssertTrue(task.contains("_"), "long/i=1 is not an array task: \(task)")
        try wait("a step to count to 3") {
            let dirs = (try? FileManager.default.contentsOfDirectory(atPath: h.dir.appendingPathComponent("s/resume").path)) ?? []
            return dirs.contains { d in
                !d.hasSuffix(".node") && (Int(((try? h.read("s/resume/\(d)/n")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 3
            }
        }
        try interrupt(task)
        // Slurm holds a requeued job for two minutes (BeginTime); start it a little sooner.
        var held: Date?
        try wait("the requeued task to run and the build to end", timeout: 150) {
            let state = (try? cluster.client("squeue", ["--noheader", "--jobs", task, "--format=%T %r"])) ?? ""
            if state.contains("BeginTime") {
                if held == nil { held = Date() }
                if let t = held, Date().timeIntervalSince(t) > 5 { _ = try? cluster.client("scontrol", ["update", "jobid=\(task)", "StartTime=now"]) }
            }
            return !build.isRunning
        }
        let log = try h.read("build.log")
        XCTAssertEqual(build.terminationStatus, 0, log)
        var starts: [Int: Int] = [:]
        for record in try h.records("s") {
            let m = record["metrics"] as? [String: Any]
            if let i = m?["i"] as? Int { starts[i] = m?["starts"] as? Int }
        }
        XCTAssertEqual(starts, [1: 2, 2: 1], "only the requeued task may start twice: \(log)")
        XCTAssertEqual(log.components(separatedBy: "queued long/i=1 (Slurm job \(task))").count, 2,
                       "the head submitted the node again instead of following its requeued task: \(log)")
        return h
    }
}
