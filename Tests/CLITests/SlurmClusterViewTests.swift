import Foundation
import XCTest

/// What xgraph reads from the cluster besides its own jobs: `plan --executor slurm` estimates
/// wall time from the GPUs and CPUs `sinfo` shows free (the test cluster: 8 CPUs, 2 fake GPUs,
/// partitions `cpu` and `gpu` over one node).
final class SlurmClusterViewTests: SlurmTestCase {
    static let study = """
        steps:
          train:
            foreach: { i: [1, 2, 3, 4] }
            estimate: 1h
            resources: { gpus: 1, cpus: 2 }
            slurm: { partition: gpu }
            command: echo {{ i }} > {{ out }}/o
          eval:
            foreach: { i: [1, 2, 3, 4], j: [1, 2] }
            inputs: { t: train }
            estimate: 10m
            command: echo {{ j }} > {{ out }}/o

        """

    func testPlanOnSlurmSpreadsTheWorkOverTheGPUsSinfoShowsFree() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.study)
        // 4 GPU-hours on 2 free GPUs; the critical path (1h + 10m) is shorter.
        let plan = try h.run(["plan", "exp.yaml", "--executor", "slurm"])
        XCTAssertEqual(plan.status, 0, plan.all)
        XCTAssertTrue(plan.out.contains("estimated 4.0 GPU-hours, wall time ~2.0h (on the cluster, if what sinfo shows free now "
            + "stays free for this build alone and no job waits in the queue"), plan.out)
        XCTAssertTrue(plan.out.contains("partition gpu: 2 of 2 GPUs, 8 of 8 CPUs free"), plan.out)
        XCTAssertTrue(plan.out.contains("critical path 1.2h"), plan.out)
        let json = try h.run(["plan", "exp.yaml", "--executor", "slurm", "--json"])
        XCTAssertTrue(json.out.contains("\"wall_basis\":\"on the cluster"), json.out)
        XCTAssertTrue(json.out.contains("\"wall_s\":7200"), json.out)

        // Someone else's job takes one GPU: the same work needs twice as long.
        _ = try cluster.client("sbatch", ["--partition=gpu", "--gres=gpu:1", "--output=/dev/null", "--wrap", "sleep 120"])
        try wait("the other job to run") { try queue().contains { $0.state == "RUNNING" } }
        let busy = try h.run(["plan", "exp.yaml", "--executor", "slurm"])
        XCTAssertTrue(busy.out.contains("wall time ~4.0h"), busy.out)
        XCTAssertTrue(busy.out.contains("partition gpu: 1 of 2 GPUs, 7 of 8 CPUs free"), busy.out)

        // Without Slurm the figure is this machine's, and the plan says so. (No sinfo on PATH: one
        // that cannot read its configuration retries for a minute.)
        try h.write("empty-bin/.keep", "")
        let local = try h.run(["plan", "exp.yaml", "--executor", "slurm"], env: ["PATH": h.dir.path + "/empty-bin"])
        XCTAssertTrue(local.out.contains("(for this machine's CPUs, not the cluster's (sinfo not found on PATH"), local.all)
    }

    /// Debian 12's Slurm 22.05 has `squeue --json`, but ignores --me with it (every user's
    /// jobs, every poll): the head detects that and polls with text. Forced to JSON, the head
    /// keeps only its own jobs and builds the same. (scontrol has no --json before 23.02.)
    func testTheQueueIsReadAsJSONOnlyWhereFiltersApplyAndBothFormatsBuild() throws {
        // Another job in the queue: root's, so another user's for the CLI's `nobody`, and
        // another submission for root's.
        _ = try cluster.client("sbatch", ["--job-name=other", "--output=/dev/null", "--wrap", "sleep 120"])
        try wait("the other job to run") { try queue().contains { $0.state == "RUNNING" } }
        let spec = """
            steps:
              a:
                command: sleep 1; echo a > {{ out }}/a
              b:
                inputs: { a: a }
                command: cat {{ inputs.a }}/a > {{ out }}/b

            """
        var keys: [Set<String>] = []
        for (format, expected) in [("auto", "squeue format: text (Slurm 22.05's squeue --json ignores"),
                                   ("json", "squeue format: json (XGRAPH_SLURM_QUEUE=json)")] {
            let h = try CLIHarness()
            try h.write("exp.yaml", spec)
            let r = try h.run(["build", "exp.yaml", "--executor", "slurm", "--store", "s"],
                              env: ["XGRAPH_SLURM_QUEUE": format, "XGRAPH_DEBUG_SLURM": "1"])
            XCTAssertEqual(r.status, 0, r.all)
            XCTAssertTrue(r.err.contains(expected), r.err)
            let mode = format == "auto" ? "text" : "json"
            XCTAssertTrue(r.err.contains("squeue poll 0 (\(mode))"), r.err)
            keys.append(try h.keys("s"))
        }
        XCTAssertEqual(keys[0], keys[1])
        XCTAssertEqual(keys[0].count, 2)
    }
}
