import Foundation
import XCTest

/// The `sinfo` preflight refuses a grouped step whose `group.max_time` (what its jobs ask Slurm
/// for) exceeds the partition's MaxTime, before anything is submitted, instead of leaving sbatch
/// to refuse each job late. Stand-in `sinfo` and `sbatch`: no cluster needed.
final class SlurmGroupPreflightTests: XCTestCase {
    private func project(group: String) throws -> (CLIHarness, [String: String]) {
        let h = try CLIHarness()
        try h.write("g.yaml", """
            steps:
              eval:
                foreach: { s: [1, 2, 3] }
                command: echo {{ s }} > {{ out }}/v
                resources: { time: 5m }
            \(group)
            """)
        try h.write("bin/sinfo", "#!/bin/sh\nprintf 'short*|4|8000|(null)|1:00:00\\n'\n")
        try h.write("bin/sbatch", "#!/bin/sh\necho \"$@\" >> \"\(h.dir.path)/sbatch-calls\"\necho 'sbatch: error: stand-in' >&2\nexit 1\n")
        for tool in ["sinfo", "sbatch"] { XCTAssertEqual(chmod(h.dir.path + "/bin/" + tool, 0o755), 0) }
        try h.write("sbatch-calls", "")
        XCTAssertEqual(chmod(h.dir.path + "/sbatch-calls", 0o666), 0)
        return (h, ["PATH": h.dir.path + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")])
    }

    func testAGroupMaxTimeOverThePartitionsLimitIsRefusedBeforeSubmitting() throws {
        let (h, env) = try project(group: "    group: { max_nodes: 3, max_time: 2h }\n")
        let r = try h.run(["build", "g.yaml", "--executor", "slurm", "--store", "s"], env: env)
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.err.contains("nothing was submitted"), r.all)
        XCTAssertTrue(r.err.contains("step eval: group.max_time 7200 s"), r.all)
        XCTAssertTrue(r.err.contains("partition short allows 3600 s"), r.all)
        XCTAssertTrue(r.err.contains("lower the step's group.max_time to at most 3480 s"), r.all)
        XCTAssertEqual(try h.read("sbatch-calls"), "", "nothing may be submitted")
    }

    /// The same step within the limit passes the preflight and reaches sbatch (the probe job).
    func testAGroupMaxTimeWithinTheLimitPassesThePreflight() throws {
        let (h, env) = try project(group: "    group: { max_nodes: 3, max_time: 58m }\n")
        let r = try h.run(["build", "g.yaml", "--executor", "slurm", "--store", "s"], env: env)
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertFalse(r.err.contains("group.max_time"), r.all)
        XCTAssertFalse(try h.read("sbatch-calls").isEmpty, r.all)
    }

    /// A detached build submits one job per node: the group's time is never asked for.
    func testADetachedBuildDoesNotCheckTheGroupsTime() throws {
        let (h, env) = try project(group: "    group: { max_nodes: 3, max_time: 2h }\n")
        let r = try h.run(["build", "g.yaml", "--executor", "slurm", "--store", "s", "--detach"], env: env)
        XCTAssertFalse(r.err.contains("group.max_time"), r.all)
        XCTAssertFalse(try h.read("sbatch-calls").isEmpty, r.all)
    }
}
