import Foundation
import XCTest

/// A container step through Slurm: the runner on the compute node runs it through the same
/// local path, on the GPUs Slurm gave the job (SlurmBuildTests' cluster, so no second start).
extension SlurmBuildTests {
    func testContainerStepsRunThroughSlurmOnTheJobsGPUs() throws {
        let p = try PodmanSupport.get()
        try ContainerTests.withFakeGPUs {
            let h = try CLIHarness()
            try h.write("exp.yaml", ContainerTests.gpuSpec(p))
            // The podman settings reach the jobs: sbatch exports the head's environment.
            let r = try h.run(["build", "exp.yaml", "--executor", "slurm", "--store", "s"], env: p.env)
            XCTAssertEqual(r.status, 0, r.all)
            XCTAssertEqual(Self.queuedJobs(r.out).count, 3, r.out)
            try ContainerTests.checkGPUs(h, env: p.env, store: ["--store", "s"])
            for record in try h.records("s") {
                XCTAssertEqual((record["provenance"] as? [String: Any])?["executor"] as? String, "slurm")
            }
        }
    }
}
