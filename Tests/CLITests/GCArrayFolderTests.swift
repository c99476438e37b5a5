import Foundation
import XCTest

/// `gc` removes the `jobs/arrays/` folders of Slurm job arrays that no live job needs (a head
/// killed mid-build leaves them behind), and keeps those a queued or running task reads, and
/// young ones a head may still be filling. No Slurm needed: a stand-in `squeue` lists the jobs.
final class GCArrayFolderTests: XCTestCase {
    private let arrays = "s/jobs/arrays"

    /// A store with a built record, five array folders (four aged two hours) and three registry
    /// entries: a task of `live` (job 101_0), a task of `ended` (102_3), and a head's marker for
    /// a task of `marked` written before sbatch (no job id yet).
    private func store() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("e.yaml", "steps:\n  a:\n    command: echo 1 > {{ out }}/v\n")
        let b = try h.run(["build", "e.yaml", "--store", "s"])
        XCTAssertEqual(b.status, 0, b.all)
        for folder in ["live", "ended", "marked", "orphan", "young"] {
            try h.write("\(arrays)/\(folder)/units", "xgraph run-node …\n")
        }
        try entry(h, "aa/live.json", job: "101_0", folder: "live", task: 0)
        try entry(h, "bb/ended.json", job: "102_3", folder: "ended", task: 3)
        try entry(h, "cc/marked.submitting", job: "", folder: "marked", task: 0)
        for folder in ["live", "ended", "marked", "orphan"] {
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)],
                                                  ofItemAtPath: h.dir.path + "/\(arrays)/\(folder)")
        }
        return h
    }

    private func entry(_ h: CLIHarness, _ name: String, job: String, folder: String, task: Int) throws {
        let root = h.dir.path + "/s"
        try h.write("s/jobs/\(name)", """
            {"attempt":1,"executor":"slurm","file":"\(h.dir.path)/e.yaml","job":"\(job)","jobName":"xg:a[2]",\
            "log":"\(root)/logs/x.log","node":"n-\(folder)","output":"\(root)/jobs/arrays/\(folder)/\(task)",\
            "submitted":"2026-01-01T00:00:00Z"}
            """)
    }

    /// A `squeue` that prints `listed`, or fails when it is nil.
    private func squeue(_ h: CLIHarness, listing listed: [String]?) throws -> [String: String] {
        let script = listed.map { "#!/bin/sh\nprintf '\($0.map { $0 + "\\n" }.joined())'\n" } ?? "#!/bin/sh\nexit 1\n"
        try h.write("bin/squeue", script)
        XCTAssertEqual(chmod(h.dir.path + "/bin/squeue", 0o755), 0)
        return ["PATH": h.dir.path + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
    }

    private func folders(_ h: CLIHarness) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: h.dir.path + "/" + arrays)) ?? [])
    }

    func testGCRemovesOnlyArrayFoldersNoQueuedTaskNeeds() throws {
        let h = try store()
        let env = try squeue(h, listing: ["101_0", "977"])
        let dry = try h.run(["gc", "--keep-days", "1000", "--store", "s", "--dry-run"], env: env)
        XCTAssertEqual(dry.status, 0, dry.all)
        XCTAssertTrue(dry.out.contains("would delete 2 job array folders of ended cluster jobs (jobs/arrays)"), dry.out)
        XCTAssertEqual(folders(h), ["live", "ended", "marked", "orphan", "young"])

        let gc = try h.run(["gc", "--keep-days", "1000", "--store", "s"], env: env)
        XCTAssertEqual(gc.status, 0, gc.all)
        XCTAssertTrue(gc.out.contains("deleted 2 job array folders of ended cluster jobs (jobs/arrays)"), gc.out)
        // `ended`'s task is no longer queued and `orphan` has no entry: both go. `marked` may
        // have a job sbatch made before its head died; `young` may be one a head is filling.
        XCTAssertEqual(folders(h), ["live", "marked", "young"])
        // What the records need is untouched.
        let status = try h.run(["status", "e.yaml", "--store", "s"])
        XCTAssertTrue(status.out.contains("1 cached"), status.all)
    }

    func testWithoutSqueueEveryRegisteredTaskKeepsItsArrayFolder() throws {
        let h = try store()
        let gc = try h.run(["gc", "--keep-days", "1000", "--store", "s"], env: try squeue(h, listing: nil))
        XCTAssertEqual(gc.status, 0, gc.all)
        XCTAssertTrue(gc.err.contains("squeue could not be asked"), gc.all)
        XCTAssertTrue(gc.out.contains("deleted 1 job array folder of ended cluster jobs (jobs/arrays)"), gc.out)
        XCTAssertEqual(folders(h), ["live", "ended", "marked", "young"])
    }

    /// squeue lists a pending array's tasks as one line (`103_[0-5]`) unless asked for each
    /// (`--array`): gc must ask, or it would remove the folder its pending tasks will read.
    func testGCAsksSqueueForEachPendingTaskOfAnArray() throws {
        let h = try store()
        let script = """
            #!/bin/sh
            case " $* " in *" --array "*|*" -r "*) printf '101_0\\n102_3\\n' ;; *) printf '101_0\\n102_[3-5]\\n' ;; esac

            """
        try h.write("bin/squeue", script)
        XCTAssertEqual(chmod(h.dir.path + "/bin/squeue", 0o755), 0)
        let env = ["PATH": h.dir.path + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        let gc = try h.run(["gc", "--keep-days", "1000", "--store", "s"], env: env)
        XCTAssertEqual(gc.status, 0, gc.all)
        XCTAssertEqual(folders(h), ["live", "ended", "marked", "young"])
    }
}
