import Foundation
import XCTest

/// A Slurm job runs the node description its head wrote into the store, never the experiment
/// file: what was submitted runs even if the file is gone, code edited since makes the job run
/// nothing, and gc keeps the descriptions of jobs that may still run.
final class SlurmDescriptionTests: SlurmTestCase {
    /// `b` is held in the queue until the test releases it.
    static func chain(first: String = "", hold: Bool = false) -> String {
        """
        steps:
          a:
            command: \(first)echo 1 > {{ out }}/v.txt
          b:
            inputs: { a: a }
        \(hold ? "    slurm: { sbatch_args: [--hold] }\n" : "")\
            command: cat {{ inputs.a }}/v.txt > {{ out }}/w.txt; echo b >> {{ out }}/w.txt
          c:
            inputs: { b: b }
            code: c.sh
            command: sh c.sh {{ inputs.b }} {{ out }}

        """
    }

    func testADetachedChainRunsFromItsDescriptionsAfterTheFileIsGarbage() throws {
        let h = try CLIHarness()
        try h.write("d.yaml", Self.chain(hold: true))
        try h.write("c.sh", "cat \"$1/w.txt\" > \"$2/x.txt\"; echo c >> \"$2/x.txt\"\n")
        XCTAssertEqual(try h.run(["build", "d.yaml", "a", "--store", "s"]).status, 0)
        let r = try h.run(["build", "d.yaml", "--executor", "slurm", "--store", "s", "--detach"])
        XCTAssertEqual(r.status, 0, r.all)
        let jobs = Self.queuedJobs(r.out)
        XCTAssertEqual(jobs.count, 2, r.out)
        let descriptions = h.dir.appendingPathComponent("s/jobs/descriptions").path
        XCTAssertEqual(Self.files(descriptions, ending: ".json").count, 2)
        // The jobs never read the file again.
        try h.write("d.yaml", "steps: [[[ not yaml\n")
        // Old enough to go, but their jobs are queued: gc keeps them, and the record of `a`
        // that b's description names (the file can no longer say so).
        try Self.age(descriptions, hours: 2)
        let gc = try h.run(["gc", "--keep-days", "0", "--store", "s"])
        XCTAssertEqual(gc.status, 0, gc.all)
        XCTAssertTrue(gc.out.contains("deleted 0 records"), gc.out)
        XCTAssertFalse(gc.out.contains("node description"), gc.out)
        XCTAssertEqual(Self.files(descriptions, ending: ".json").count, 2)
        _ = try cluster.client("scontrol", ["release", try XCTUnwrap(jobs["b"], r.out)])
        try wait("the jobs to end", timeout: 90) { try queue().isEmpty }
        let cLog = try h.run(["logs", "c", "--store", "s"]).out
        XCTAssertEqual(try h.keys("s").count, 3, cLog)
        try h.write("d.yaml", Self.chain(hold: true))
        let status = try h.run(["status", "d.yaml", "--store", "s"])
        XCTAssertTrue(status.out.contains("3 cached"), status.out)
        let local = try h.run(["build", "d.yaml", "--store", "s"])
        XCTAssertTrue(local.out.hasPrefix("nothing to do"), local.all)
        // Ended jobs' descriptions go once old.
        try Self.age(descriptions, hours: 2)
        let after = try h.run(["gc", "--keep-days", "1000", "--store", "s"])
        XCTAssertTrue(after.out.contains("deleted 2 node descriptions of ended cluster jobs"), after.out)
        XCTAssertEqual(Self.files(descriptions, ending: ".json").count, 0)
        XCTAssertEqual(Self.files(descriptions, ending: ".key").count, 0)
    }

    func testCodeEditedAfterSubmissionMakesTheJobRunNothing() throws {
        let h = try CLIHarness()
        try h.write("d.yaml", Self.chain(first: "sleep 5; "))
        try h.write("c.sh", "cat \"$1/w.txt\" > \"$2/x.txt\"\n")
        let r = try h.run(["build", "d.yaml", "--executor", "slurm", "--store", "s", "--detach"])
        XCTAssertEqual(r.status, 0, r.all)
        try h.write("c.sh", "echo edited > \"$2/x.txt\"\n")
        try wait("the jobs to end", timeout: 90) { try queue().isEmpty }
        let log = try h.run(["logs", "c", "--store", "s"]).out
        XCTAssertTrue(log.contains("the experiment changed since this job was submitted: code") && log.contains("c.sh changed"), log)
        XCTAssertTrue(log.contains("xgraph run-node: failed"), log)
        XCTAssertEqual(try h.keys("s").count, 2, "c ran code it was not submitted with: \(log)")
        // A new build submits the current version.
        let again = try h.run(["build", "d.yaml", "--executor", "slurm", "--store", "s"])
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertEqual(try h.keys("s").count, 3)
    }

    static func files(_ folder: String, ending: String) -> [String] {
        let e = FileManager.default.enumerator(atPath: folder)
        var out: [String] = []
        while let p = e?.nextObject() as? String { if p.hasSuffix(ending) { out.append(p) } }
        return out
    }

    static func age(_ folder: String, hours: Double) throws {
        for f in files(folder, ending: ".json") {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-hours * 3600)],
                                                  ofItemAtPath: folder + "/" + f)
        }
    }
}
