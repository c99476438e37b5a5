import Foundation
import XCTest

/// GPU-aware local execution, through the binary with fake GPUs (`--gpus 4`).
final class SchedulingTests: XCTestCase {
    func testJobsGetDisjointGPUIdsAtEveryInstant() throws {
        let h = try CLIHarness()
        try h.write("gpu.yaml", """
            steps:
              one:
                foreach: { i: [1, 2, 3, 4, 5, 6] }
                resources: { gpus: 1 }
                command: |
                  s=$(date +%s%N); sleep 0.3; e=$(date +%s%N)
                  echo "$s $e $CUDA_VISIBLE_DEVICES $XGRAPH_GPUS" >> gpus.log
              two:
                foreach: { i: [1, 2, 3] }
                resources: { gpus: 2 }
                command: |
                  # (a different command from step one's: identical actions share one key)
                  s=$(date +%s%N); sleep 0.3; e=$(date +%s%N)
                  echo "$s $e $CUDA_VISIBLE_DEVICES $XGRAPH_GPUS" >> gpus.log

            """)
        let r = try h.run(["build", "gpu.yaml", "--gpus", "4", "--cpus", "16"])
        XCTAssertEqual(r.status, 0, r.all)
        let rows = try h.read("gpus.log").split(separator: "\n").map { line -> (Int, Int, Set<Int>) in
            let f = line.split(separator: " ")
            XCTAssertEqual(f[2], f[3], "CUDA_VISIBLE_DEVICES and XGRAPH_GPUS differ")
            return (Int(f[0])!, Int(f[1])!, Set(f[2].split(separator: ",").map { Int($0)! }))
        }
        XCTAssertEqual(rows.count, 9)
        XCTAssertEqual(rows.map(\.2.count).reduce(0, +), 6 + 6)
        var overlapped = false
        for (i, a) in rows.enumerated() {
            XCTAssertTrue(a.2.isSubset(of: [0, 1, 2, 3]), "\(a.2)")
            for b in rows[(i + 1)...] where a.0 < b.1 && b.0 < a.1 {
                overlapped = true
                XCTAssertTrue(a.2.isDisjoint(with: b.2), "jobs overlapping in time shared GPUs \(a.2) and \(b.2)")
            }
        }
        XCTAssertTrue(overlapped, "with 4 GPUs some jobs should have run at once")
    }

    func testAStepNeedingMoreGPUsThanExistFailsBeforeAnythingRuns() throws {
        let h = try CLIHarness()
        try h.write("big.yaml", """
            steps:
              small:
                command: touch ran-small
              huge:
                resources: { gpus: 4 }
                command: "true"

            """)
        let r = try h.run(["build", "big.yaml", "--gpus", "2"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("huge needs 4 GPUs, this machine has 2"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.dir.appendingPathComponent("ran-small").path))
        let plan = try h.run(["plan", "big.yaml", "--gpus", "2"])
        XCTAssertTrue(plan.out.contains("blocked    huge"), plan.out)
    }

    func testGPUsAreDetectedOnlyWhenSomethingRunsAndCachedResultsNeedNoGPUs() throws {
        let h = try CLIHarness()
        // A stand-in nvidia-smi that reports two GPUs and notes each call.
        let bin = h.dir.appendingPathComponent("bin").path
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try h.write("bin/nvidia-smi", """
            #!/bin/sh
            echo called >> "$SMI_CALLS"
            printf '0, GPU-aaaa, Fake GPU\n1, GPU-bbbb, Fake GPU\n'

            """)
        chmod(bin + "/nvidia-smi", 0o755)
        try h.write("gpu.yaml", """
            steps:
              train:
                resources: { gpus: 2 }
                command: echo "$CUDA_VISIBLE_DEVICES" > {{ out }}/gpus.txt

            """)
        let calls = h.dir.appendingPathComponent("calls.log").path
        let env = ["PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                   "SMI_CALLS": calls]
        let first = try h.run(["build", "gpu.yaml"], env: env)
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertEqual(try h.read("calls.log"), "called\n", "a build that runs something looks for GPUs")
        let again = try h.run(["build", "gpu.yaml"], env: env)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertTrue(again.out.contains("nothing to do"), again.out)
        XCTAssertEqual(try h.read("calls.log"), "called\n", "a null build never runs nvidia-smi")
        // The cached result is reused on a machine without GPUs; running it there is an error.
        let noGPU = try h.run(["build", "gpu.yaml", "--gpus", "0"])
        XCTAssertEqual(noGPU.status, 0, noGPU.all)
        let forced = try h.run(["build", "gpu.yaml", "--gpus", "0", "--force", "train"])
        XCTAssertNotEqual(forced.status, 0)
        XCTAssertTrue(forced.err.contains("train needs 2 GPUs, this machine has 0"), forced.err)
    }

    func testATimeLimitKillsAnOverrunningJob() throws {
        let h = try CLIHarness()
        try h.write("slow.yaml", """
            steps:
              slow:
                resources: { time: 1s }
                command: sleep 30

            """)
        let start = Date()
        let r = try h.run(["build", "slow.yaml"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.out.contains("failed: slow: timed out"), r.out)
        XCTAssertLessThan(Date().timeIntervalSince(start), 25, "the job was not killed")
    }

    func testAResumeFolderSurvivesAFailedAttemptAndGoesOnSuccess() throws {
        let h = try CLIHarness()
        try h.write("resume.yaml", """
            steps:
              long:
                resume: true
                retries: 1
                command: |
                  if [ -f {{ resume }}/checkpoint ]; then cp {{ resume }}/checkpoint {{ out }}/model; else echo epoch-1 > {{ resume }}/checkpoint; exit 1; fi

            """)
        let r = try h.run(["build", "resume.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.contains("retrying"), r.out)
        let left = try FileManager.default.subpathsOfDirectory(atPath: h.dir.appendingPathComponent("cache/resume").path)
            .filter { $0.hasSuffix("checkpoint") }
        XCTAssertEqual(left, [], "the resume folder should be deleted once the node succeeds")
    }

    func testJSONProgressIsOneEventPerLine() throws {
        let h = try CLIHarness()
        try h.write("j.yaml", "steps:\n  a:\n    command: \"true\"\n")
        let r = try h.run(["build", "j.yaml", "--json"])
        XCTAssertEqual(r.status, 0, r.all)
        let events = try r.out.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])["event"] as? String
        }
        XCTAssertEqual(events, ["planned", "started", "finished"])
    }
}

final class StepLimitTests: XCTestCase {
    func testMaxParallelAndMutexLimitHowManyJobsRunAtOnce() throws {
        let h = try CLIHarness()
        try h.write("lim.yaml", """
            steps:
              read:
                foreach: { i: [1, 2, 3, 4, 5, 6] }
                max_parallel: 2
                command: |
                  echo "$(date +%s%N) +1" >> read.log; sleep 0.2; echo "$(date +%s%N) -1" >> read.log
              lock:
                foreach: { i: [1, 2, 3] }
                mutex: [licence]
                command: |
                  echo "$(date +%s%N) +1" >> lock.log; sleep 0.2; echo "$(date +%s%N) -1" >> lock.log

            """)
        let r = try h.run(["build", "lim.yaml", "--cpus", "16"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try maxConcurrent(h.read("read.log")), 2)
        XCTAssertEqual(try maxConcurrent(h.read("lock.log")), 1)
    }

    /// The largest number of jobs between a "+1" and its "-1" at any instant.
    private func maxConcurrent(_ log: String) -> Int {
        var events: [(time: Int, delta: Int)] = []
        for line in log.split(separator: "\n") {
            let f = line.split(separator: " ")
            events.append((Int(f[0])!, f[1] == "+1" ? 1 : -1))
        }
        // At equal times count ends first: a job that ends as another starts did not overlap it.
        events.sort { a, b in a.time == b.time ? a.delta < b.delta : a.time < b.time }
        var now = 0, most = 0
        for e in events { now += e.delta; most = max(most, now) }
        return most
    }
}
