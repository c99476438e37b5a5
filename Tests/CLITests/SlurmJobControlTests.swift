import Foundation
import XCTest

/// Requeue, preemption signals, GPUs and the cap on queued jobs, against a real Slurm.
final class SlurmJobControlTests: SlurmTestCase {
    /// Counts to 8, one step a second, keeping its count in the resume folder; a start after an
    /// interruption continues from the saved count. SIGUSR1 makes it say so and stop.
    static let resumable = """
        steps:
          long:
            resume: true
            command: |
              trap 'echo "saving at $n"; exit 0' USR1
              # Saved by rename, so a kill mid-write never leaves an empty count.
              save() { echo "$2" > {{ resume }}/$1.new && mv {{ resume }}/$1.new {{ resume }}/$1; }
              n=$(cat {{ resume }}/n 2>/dev/null); n=${n:-0}
              first=$n
              starts=$(cat {{ resume }}/starts 2>/dev/null); starts=$(( ${starts:-0} + 1 )); save starts $starts
              while [ $n -lt 8 ]; do n=$((n+1)); save n $n; sleep 1; done
              echo "{\\"starts\\": $starts, \\"resumed_at\\": $first}" > {{ out }}/metrics.json

        """

    /// Runs the resumable step, interrupts its job with `interrupt` once it has counted to 3,
    /// lets the requeued job start at once (Slurm delays requeued jobs by two minutes), and
    /// returns the finished node's metrics.
    private func interruptedRun(_ interrupt: (String) throws -> Void) throws -> (CLIHarness, [String: Any], String) {
        let h = try CLIHarness()
        try h.write("r.yaml", Self.resumable)
        let build = try h.start(["build", "r.yaml", "--executor", "slurm", "--store", "s"], outputTo: "build.log")
        defer { if build.isRunning { build.terminate() } }
        var job = ""
        try wait("the step to count to 3") {
            let counts = (try? FileManager.default.contentsOfDirectory(atPath: h.dir.appendingPathComponent("s/resume").path)) ?? []
            for d in counts where !d.hasSuffix(".node") {
                if let n = try? h.read("s/resume/\(d)/n"), (Int(n.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 3 { return true }
            }
            return false
        }
        job = try XCTUnwrap(try queue().first { $0.name == "xg:long" }?.id)
        try interrupt(job)
        // Slurm holds a requeued job for two minutes (reason BeginTime). Start it sooner, but not
        // at once: a job restarted while its last run is still being cleaned up fails for good
        // ("Killing non-startable batch JobId=N: Job credential revoked").
        var requeued = false
        var held: Date?
        defer { if build.isRunning { XCTFail("the build did not end: \((try? h.read("build.log")) ?? "")\n\((try? h.run(["logs", "long", "--store", "s"]).out) ?? "")") } }
        try wait("the requeued job to run and the build to end", timeout: 150) {
            let state = (try? cluster.client("squeue", ["--noheader", "--jobs", job, "--format=%T %r"])) ?? ""
            if state.contains("PENDING") { requeued = true }
            if state.contains("BeginTime") {
                if held == nil { held = Date() }
                if let h = held, Date().timeIntervalSince(h) > 5 { _ = try? cluster.client("scontrol", ["update", "jobid=\(job)", "StartTime=now"]) }
            }
            return !build.isRunning
        }
        XCTAssertTrue(requeued, "the job was never seen pending again")
        let log = try h.read("build.log")
        XCTAssertEqual(build.terminationStatus, 0, log)
        let record = try XCTUnwrap(try h.records("s").first)
        return (h, try XCTUnwrap(record["metrics"] as? [String: Any]), job)
    }

    func testAJobRequeuedMidwayResumesFromItsResumeFolder() throws {
        let (h, metrics, job) = try interruptedRun { job in _ = try cluster.client("scontrol", ["requeue", job]) }
        XCTAssertEqual(metrics["starts"] as? Int, 2)
        XCTAssertGreaterThanOrEqual(metrics["resumed_at"] as? Int ?? 0, 3, "the second run started from scratch")
        XCTAssertEqual((try h.read("build.log")).components(separatedBy: "queued long (Slurm job \(job))").count, 2,
                       "the head submitted the node again instead of following the requeued job")
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.dir.appendingPathComponent("s/resume").path + "/x"))
    }

    /// What Slurm sends before the time limit (`--signal=B:USR1@N`): the batch shell, that is
    /// the node runner, gets SIGUSR1 and must pass it to the step, then requeue the job.
    func testUSR1ToTheBatchShellReachesTheStepAndRequeuesTheJob() throws {
        let (h, metrics, _) = try interruptedRun { job in _ = try cluster.client("scancel", ["--signal=USR1", "--batch", job]) }
        XCTAssertEqual(metrics["starts"] as? Int, 2)
        XCTAssertGreaterThanOrEqual(metrics["resumed_at"] as? Int ?? 0, 3)
        let log = try h.run(["logs", "long", "--store", "s"]).out
        XCTAssertTrue(log.contains("saving at"), "the step never got SIGUSR1: \(log)")
        XCTAssertTrue(log.contains("requeueing Slurm job"), log)
    }

    func testGPUJobsSeeDistinctDevices() throws {
        let h = try CLIHarness()
        try h.write("g.yaml", """
            executor: { slurm: { partition: gpu } }
            steps:
              g:
                foreach: { i: [1, 2] }
                resources: { gpus: 1 }
                command: |
                  sleep 3; echo "{\\"device\\": \\"$CUDA_VISIBLE_DEVICES\\"}" > {{ out }}/metrics.json

            """)
        let r = try h.run(["build", "g.yaml", "--executor", "slurm", "--store", "s"])
        XCTAssertEqual(r.status, 0, r.all)
        let devices = try h.records("s").compactMap { ($0["metrics"] as? [String: Any])?["device"] as? String }
        XCTAssertEqual(Set(devices), ["0", "1"], "two GPU jobs at once must get the two GPUs: \(devices)")
        let ids = try h.records("s").compactMap { ($0["provenance"] as? [String: Any])?["gpuIDs"] as? [Int] }
        XCTAssertEqual(Set(ids.flatMap { $0 }), [0, 1])
    }

    func testMaxQueuedCapsThisBuildsJobsInTheQueue() throws {
        let h = try CLIHarness()
        try h.write("many.yaml", """
            steps:
              w:
                foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8] }
                command: sleep 1; echo {{ i }} > {{ out }}/x

            """)
        let build = try h.start(["build", "many.yaml", "--executor", "slurm", "--store", "s", "--max-queued", "3"], outputTo: "build.log")
        var most = 0
        while build.isRunning {
            most = max(most, (try? queue().count) ?? 0)
            Thread.sleep(forTimeInterval: 0.1)
        }
        let log = try h.read("build.log")
        XCTAssertEqual(build.terminationStatus, 0, log)
        XCTAssertLessThanOrEqual(most, 3)
        XCTAssertGreaterThanOrEqual(most, 2, "the queue was never seen holding jobs")
        XCTAssertEqual(try h.keys("s").count, 8)
    }
}
