import Foundation
import XCTest

/// `--detach` with arrays: the nodes none of whose inputs must run go out as arrays, one task
/// per node, and each dependent waits for its own input's task (`afterok:A_i`), so a failed
/// task holds back only its own dependents, with no head left to decide anything.
final class SlurmDetachedArrayTests: SlurmTestCase {
    func testRootsGoOutAsOneArrayAndAFailedTaskHoldsBackOnlyItsDependents() throws {
        let h = try CLIHarness()
        try h.write("d.yaml", """
            steps:
              a:
                foreach: { i: [1, 2, 3, 4, 5, 6] }
                command: if [ {{ i }} = 3 ]; then exit 4; fi; echo {{ i }} > {{ out }}/v.txt
              b:
                foreach: { i: [1, 2, 3, 4, 5, 6] }
                inputs: { a: a }
                command: cat {{ inputs.a }}/v.txt > {{ out }}/w.txt

            """)
        let sbatch = try SbatchWrapper(h)
        let detached = try h.run(["build", "d.yaml", "--executor", "slurm", "--store", "s", "--detach"], env: sbatch.environment())
        XCTAssertEqual(detached.status, 0, detached.all)
        let queued = Self.queuedJobs(detached.out)
        XCTAssertEqual(queued.count, 12, detached.out)
        let roots = (1...6).compactMap { queued["a/i=\($0)"] }
        XCTAssertEqual(roots.count, 6)
        XCTAssertEqual(Set(roots.map { $0.split(separator: "_").first.map(String.init) ?? "" }).count, 1,
                       "the six roots are tasks of one array: \(roots)")
        XCTAssertEqual(try sbatch.arrays().count, 1)
        let calls = try sbatch.calls()
        XCTAssertEqual(calls.count, 7, "one array and six single jobs: \(calls)")

        try wait("the queue to drain", timeout: 120) { try queue().isEmpty }
        let status = try h.run(["status", "d.yaml", "--store", "s"])
        XCTAssertTrue(status.out.contains("failed     a/i=3") && status.out.contains("exit status 4"), status.out)
        XCTAssertTrue(status.out.contains("blocked    b/i=3"), status.out)
        XCTAssertTrue(status.out.contains("10 cached, 1 failed, 1 blocked"), status.out)
        let local = try h.run(["build", "d.yaml", "--store", "here", "-k"])
        XCTAssertEqual(local.status, 1, local.all)
        XCTAssertEqual(try h.keys("s"), try h.keys("here"))

        // An attached build afterwards runs a/i=3 again (it fails again) and nothing else.
        let again = try h.run(["build", "d.yaml", "--executor", "slurm", "--store", "s", "-k"])
        XCTAssertEqual(again.status, 1, again.all)
        XCTAssertTrue(again.out.contains("cached 10"), again.all)
        XCTAssertEqual(Set(Self.queuedJobs(again.out).keys), ["a/i=3"], again.all)
    }
}
