import Foundation
import XCTest

/// Each Slurm misconfiguration fails before or at submission with what to do, and nothing is
/// left in the queue.
final class SlurmErrorTests: SlurmTestCase {
    private func project(_ extra: String = "") throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("e.yaml", """
            steps:
              small:
                command: echo > {{ out }}/x
              big:
                foreach: { n: [1, 2] }
                resources: { gpus: 4 }
                \(extra)
                command: echo > {{ out }}/x

            """)
        return h
    }

    func testNoSlurmOnThisMachineNamesTheMissingProgram() throws {
        let h = try project()
        let r = try h.run(["build", "e.yaml", "small", "--executor", "slurm", "--store", "s"], env: ["PATH": "/nonexistent"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("not found on PATH") && r.err.contains("--executor local"), r.err)
    }

    func testAStepNoPartitionCanHoldFailsBeforeAnythingIsSubmitted() throws {
        let h = try project("slurm: { partition: gpu }")
        let r = try h.run(["build", "e.yaml", "--executor", "slurm", "--store", "s"])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.err.contains("big/n=1 asks for 4 GPUs; the largest node of partition gpu has 2"), r.err)
        XCTAssertTrue(r.err.contains("nothing was submitted"), r.err)
        XCTAssertTrue(try queue().isEmpty)
        XCTAssertTrue(try h.keys("s").isEmpty, "the small node ran although the build was refused")
        let unknown = try h.run(["build", "e.yaml", "small", "--executor", "slurm", "--store", "s", "--partition", "nosuch"])
        XCTAssertTrue(unknown.err.contains("partition nosuch does not exist"), unknown.err)
    }

    func testARefusalByTheControllerIsReportedInSlurmsWords() throws {
        let h = try project()
        let r = try h.run(["build", "e.yaml", "small", "--executor", "slurm", "--store", "s", "--constraint", "nosuchfeature"])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.all.contains("Slurm refused the probe job") && r.all.contains("--constraint=nosuchfeature"), r.all)
        XCTAssertTrue(r.all.lowercased().contains("feature"), "Slurm's own message is missing: \(r.all)")
    }

    func testAnXgraphComputeNodesCannotRunIsFoundByTheProbeJob() throws {
        let h = try project()
        let r = try h.run(["build", "e.yaml", "small", "--executor", "slurm", "--store", "s"],
                          env: ["XGRAPH_REMOTE_BIN": "/nonexistent/xgraph"])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.err.contains("cannot run /nonexistent/xgraph"), r.err)
        XCTAssertTrue(try h.keys("s").isEmpty)
    }

    func testAStoreComputeNodesCannotWriteIsFoundByTheProbeJob() throws {
        let h = try project()
        guard h.user != nil else { throw XCTSkip("root writes into any folder; this needs jobs run by an ordinary user") }
        // A store the jobs' user cannot write stands for one that compute nodes do not mount.
        try h.write("ro/.keep", "")
        let store = h.dir.appendingPathComponent("ro/s").path
        let first = try h.run(["plan", "e.yaml", "--store", store])
        XCTAssertEqual(first.status, 0, first.all)
        chmod(h.dir.appendingPathComponent("ro/s/jobs").path, 0o555)
        mkdir(h.dir.appendingPathComponent("ro/s/jobs").path, 0o555)
        let r = try h.run(["build", "e.yaml", "small", "--executor", "slurm", "--store", store])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.err.contains("could not write") && r.err.contains("shared"), r.err)
    }
}
