import Foundation
import XCTest

/// `--executor slurm` against a real Slurm: the same keys, artifacts and results as a local
/// build; ordering, failures, logs, detached builds, status and cancel.
final class SlurmBuildTests: SlurmTestCase {
    func testAScalingStudyBuiltThroughSlurmEqualsTheLocalBuild() throws {
        let h = try Fixtures.project()
        let slurm = try h.run(["build", "exp.yaml", "--executor", "slurm", "--store", "on-slurm"])
        XCTAssertEqual(slurm.status, 0, slurm.all)
        XCTAssertEqual(Self.queuedJobs(slurm.out).count, 15, "one job per node that runs (3 subsets, 6 trains, 6 evals): \(slurm.out)")
        let local = try h.run(["build", "exp.yaml", "--store", "here"])
        XCTAssertEqual(local.status, 0, local.all)

        XCTAssertEqual(try h.keys("on-slurm"), try h.keys("here"))
        XCTAssertEqual(try h.keys("on-slurm").count, 15)
        XCTAssertEqual(h.listing("on-slurm/artifacts"), h.listing("here/artifacts"))
        let args = ["results", "exp.yaml", "--step", "eval", "--pivot", "data,model", "--metric", "score"]
        XCTAssertEqual(try h.run(args + ["--store", "on-slurm"]).out, try h.run(args + ["--store", "here"]).out)
        var buildIDs = Set<String>()
        for record in try h.records("on-slurm") {
            let provenance = record["provenance"] as? [String: Any]
            XCTAssertEqual(provenance?["executor"] as? String, "slurm")
            buildIDs.insert(provenance?["buildID"] as? String ?? "")
        }
        // Fifteen jobs, one head: the records name one build (the report's "last build").
        XCTAssertEqual(buildIDs.count, 1, "\(buildIDs)")
        XCTAssertFalse(buildIDs.contains(""), "\(buildIDs)")

        let again = try h.run(["build", "exp.yaml", "--executor", "slurm", "--store", "on-slurm"])
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertTrue(again.out.hasPrefix("nothing to do"), again.all)
        XCTAssertTrue(Self.queuedJobs(again.out).isEmpty)
        XCTAssertTrue(try queue().isEmpty)
    }

    /// The README's quickstart, as shipped in experiments/, through Slurm and locally.
    func testTheQuickstartThroughSlurmEqualsTheLocalBuild() throws {
        let h = try CLIHarness()
        let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("experiments")
        for file in ["quickstart.yaml", "quickstart/fit.awk", "quickstart/eval.awk", "data/samples.txt", "data/heldout.txt"] {
            try h.write(file, try String(contentsOf: experiments.appendingPathComponent(file), encoding: .utf8))
        }
        let slurm = try h.run(["build", "quickstart.yaml", "--executor", "slurm", "--store", "on-slurm"])
        XCTAssertEqual(slurm.status, 0, slurm.all)
        XCTAssertEqual(try h.run(["build", "quickstart.yaml", "--store", "here"]).status, 0)
        XCTAssertEqual(try h.keys("on-slurm"), try h.keys("here"))
        XCTAssertEqual(h.listing("on-slurm/artifacts"), h.listing("here/artifacts"))
        let args = ["results", "quickstart.yaml", "--step", "eval", "--pivot", "data,model", "--metric", "nll"]
        let table = try h.run(args + ["--store", "on-slurm"]).out
        XCTAssertTrue(table.contains("b64"), table)
        XCTAssertEqual(table, try h.run(args + ["--store", "here"]).out)
    }

    func testAJobStartsOnlyAfterItsInputsRecordExists() throws {
        let h = try CLIHarness()
        try h.write("chain.yaml", """
            steps:
              parent:
                command: sleep 1; echo p > {{ out }}/p.txt
              child:
                inputs: { p: parent }
                command: cat {{ inputs.p }}/p.txt > {{ out }}/c.txt

            """)
        let r = try h.run(["build", "chain.yaml", "--executor", "slurm", "--store", "s"])
        XCTAssertEqual(r.status, 0, r.all)
        let records = try h.records("s")
        let parent = try XCTUnwrap(records.first { $0["node"] as? String == "parent" })
        let child = try XCTUnwrap(records.first { $0["node"] as? String == "child" })
        let parentKey = try XCTUnwrap(parent["key"] as? String)
        let attrs = try FileManager.default.attributesOfItem(
            atPath: h.dir.appendingPathComponent("s/records/\(parentKey.prefix(2))/\(parentKey).json").path)
        let recorded = try XCTUnwrap(attrs[.modificationDate] as? Date)
        let start = try XCTUnwrap(ISO8601DateFormatter.withFractions.date(from: (child["provenance"] as? [String: Any])?["start"] as? String ?? ""))
        XCTAssertLessThanOrEqual(recorded, start, "the child started before its input was recorded")
    }

    /// `--force` runs nodes whose records exist: the head must take the record its job wrote as
    /// the outcome, never the one the node was forced past (it took neither, and reported every
    /// forced node failed), nor count a grouped node done on the old record before its task ran.
    func testForcedNodesRunAgainAndTheirNewRecordsAreTheOutcome() throws {
        let h = try CLIHarness()
        try h.write("force.yaml", """
            steps:
              a:
                foreach: { i: [1, 2, 3] }
                command: echo {{ i }} > {{ out }}/v.txt
              g:
                foreach: { i: [1, 2] }
                group: { max_nodes: 2, max_time: 10m }
                command: sleep 1; echo {{ i }} > {{ out }}/v.txt

            """)
        let first = try h.run(["build", "force.yaml", "--executor", "slurm", "--store", "s"])
        XCTAssertEqual(first.status, 0, first.all)
        let before = Dictionary(uniqueKeysWithValues: try h.records("s").map {
            ($0["node"] as? String ?? "", ($0["provenance"] as? [String: Any])?["buildID"] as? String ?? "")
        })
        XCTAssertEqual(before.count, 5)
        let forced = try h.run(["build", "force.yaml", "--executor", "slurm", "--store", "s", "--force", "*"])
        XCTAssertEqual(forced.status, 0, forced.all)
        XCTAssertTrue(forced.out.contains("built 5, cached 0 of 5 nodes"), forced.all)
        XCTAssertEqual(Self.queuedJobs(forced.out).count, 5, forced.out)
        for record in try h.records("s") {
            let node = record["node"] as? String ?? ""
            let build = (record["provenance"] as? [String: Any])?["buildID"] as? String
            XCTAssertNotEqual(build, before[node], "\(node) still has the record it was forced past")
        }
    }

    func testAFailingJobBlocksItsDependentsAndItsLogHoldsTheOutput() throws {
        let h = try CLIHarness()
        try h.write("fail.yaml", """
            steps:
              a:
                foreach: { i: [1, 2, 3] }
                command: echo "hello {{ i }}"; if [ {{ i }} = 2 ]; then echo "bad thing" >&2; exit 3; fi; echo {{ i }} > {{ out }}/v.txt
              b:
                foreach: { i: [1, 2, 3] }
                inputs: { a: a }
                command: cat {{ inputs.a }}/v.txt > {{ out }}/w.txt

            """)
        let r = try h.run(["build", "fail.yaml", "--executor", "slurm", "--store", "s", "-k"])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.all.contains("a/i=2") && r.all.contains("exit status 3"), r.all)
        XCTAssertTrue(r.all.contains("blocked: b/i=2"), r.all)
        XCTAssertNil(Self.queuedJobs(r.out)["b/i=2"], "a dependent of a failure was submitted")
        XCTAssertNotNil(Self.queuedJobs(r.out)["b/i=3"])
        let log = try h.run(["logs", "a/i=2", "--store", "s"])
        XCTAssertEqual(log.status, 0, log.all)
        XCTAssertTrue(log.out.contains("hello 2") && log.out.contains("bad thing"), log.out)
        let status = try h.run(["status", "fail.yaml", "--store", "s"])
        XCTAssertTrue(status.out.contains("failed     a/i=2"), status.out)
        XCTAssertTrue(status.out.contains("exit status 3") && status.out.contains("bad thing"), status.out)
        XCTAssertTrue(status.out.contains("blocked    b/i=2"), status.out)
        XCTAssertTrue(status.out.contains("4 cached, 1 failed, 1 blocked"), status.out)
    }

    func testDetachStatusThenBuildFollowsTheQueuedJobsWithoutDuplicates() throws {
        let h = try CLIHarness()
        try h.write("d.yaml", """
            steps:
              a:
                foreach: { i: [1, 2] }
                command: sleep 2; echo {{ i }} > {{ out }}/v.txt
              b:
                foreach: { i: [1, 2] }
                inputs: { a: a }
                command: cat {{ inputs.a }}/v.txt > {{ out }}/w.txt

            """)
        let detached = try h.run(["build", "d.yaml", "--executor", "slurm", "--store", "s", "--detach"])
        XCTAssertEqual(detached.status, 0, detached.all)
        let submitted = Self.queuedJobs(detached.out)
        XCTAssertEqual(submitted.count, 4, detached.out)
        XCTAssertEqual(Set(try queue().map(\.id)), Set(submitted.values))

        let status = try h.run(["status", "d.yaml", "--store", "s"])
        for (node, job) in submitted { XCTAssertTrue(status.out.contains("\(node)  (Slurm job \(job))"), status.out) }

        let build = try h.run(["build", "d.yaml", "--executor", "slurm", "--store", "s"])
        XCTAssertEqual(build.status, 0, build.all)
        for (node, job) in Self.queuedJobs(build.out) {
            XCTAssertEqual(submitted[node], job, "build submitted \(node) again: \(build.out)")
        }
        let after = try h.run(["status", "d.yaml", "--store", "s"])
        XCTAssertTrue(after.out.hasSuffix("4 cached\n") || after.out.hasSuffix("4 cached"), after.out)
        // Each node ran once: one log per node.
        for node in submitted.keys {
            XCTAssertEqual(try h.run(["logs", node, "--store", "s"]).out.components(separatedBy: "xgraph: running").count, 2)
        }
    }

    /// Ctrl-C of an attached build, not on a terminal: the jobs stay queued and it says so;
    /// `cancel` then removes them.
    func testAnInterruptedBuildLeavesItsJobsAndSaysHowToFollowThem() throws {
        let h = try CLIHarness()
        try h.write("slow.yaml", """
            steps:
              slow:
                command: sleep 120; echo > {{ out }}/x

            """)
        let build = try h.start(["build", "slow.yaml", "--executor", "slurm", "--store", "s"], outputTo: "build.log")
        try wait("the job to be queued") { (try? h.read("build.log"))?.contains("queued slow") ?? false }
        kill(build.processIdentifier, SIGINT)
        build.waitUntilExit()
        let log = try h.read("build.log")
        XCTAssertEqual(build.terminationStatus, 130, log)
        let job = try XCTUnwrap(Self.queuedJobs(log)["slow"])
        XCTAssertTrue(log.contains("left 1 Slurm job running (\(job))") && log.contains("xgraph cancel slow.yaml"), log)
        XCTAssertEqual(try queue().map(\.id), [job])
        let status = try h.run(["status", "slow.yaml", "--store", "s"])
        XCTAssertTrue(status.out.contains("slow  (Slurm job \(job))"), status.out)
        XCTAssertEqual(try h.run(["cancel", "slow.yaml", "--store", "s"]).status, 0)
        try wait("an empty queue") { try queue().isEmpty }
    }

    /// scancel signals every process of the job at once; a step that catches SIGTERM and exits 0
    /// must still not be recorded as the node's result.
    func testAStepThatExitsZeroWhenItsJobIsCancelledIsNotRecorded() throws {
        let h = try CLIHarness()
        try h.write("t.yaml", """
            steps:
              t:
                command: |
                  trap 'echo "caught TERM"; echo partial > {{ out }}/x; exit 0' TERM
                  echo ready; sleep 300 & wait

            """)
        let r = try h.run(["build", "t.yaml", "--executor", "slurm", "--store", "s", "--detach"])
        let job = try XCTUnwrap(Self.queuedJobs(r.out)["t"], r.all)
        try wait("the step to start") { (try? h.run(["logs", "t", "--store", "s"]).out.contains("ready")) ?? false }
        _ = try cluster.client("scancel", [job])
        try wait("the job to end") { try queue().isEmpty }
        let log = try h.run(["logs", "t", "--store", "s"]).out
        XCTAssertTrue(log.contains("caught TERM"), log)
        XCTAssertTrue(try h.keys("s").isEmpty, "a cancelled job recorded its node: \(log)")
        XCTAssertTrue(log.contains("xgraph run-node: failed"), log)
        let status = try h.run(["status", "t.yaml", "--store", "s"])
        XCTAssertTrue(status.out.contains("failed     t"), status.out)
    }

    func testCancelRemovesExactlyTheJobsOfItsExperiment() throws {
        let h = try CLIHarness()
        for name in ["one", "two"] {
            try h.write("\(name).yaml", """
                steps:
                  \(name):
                    foreach: { i: [1, 2] }
                    command: sleep 120; echo > {{ out }}/x
                  \(name)-after:
                    inputs: { x: \(name) }
                    foreach: { i: [1, 2] }
                    command: echo > {{ out }}/y

                """)
            let r = try h.run(["build", "\(name).yaml", "--executor", "slurm", "--store", "s", "--detach"])
            XCTAssertEqual(r.status, 0, r.all)
        }
        XCTAssertEqual(try queue().count, 8)
        let cancel = try h.run(["cancel", "one.yaml", "--store", "s"])
        XCTAssertEqual(cancel.status, 0, cancel.all)
        XCTAssertTrue(cancel.out.contains("cancelled 4 jobs"), cancel.out)
        try wait("the cancelled jobs to leave the queue") { try queue().count == 4 }
        let left = try queue()
        XCTAssertTrue(left.allSatisfy { $0.name.hasPrefix("xg:two") }, "\(left)")
        XCTAssertEqual(try h.run(["cancel", "two.yaml", "--store", "s"]).status, 0)
        try wait("an empty queue") { try queue().isEmpty }
    }
    /// A detached build's jobs read their inputs long after the head exited: a gc that names no
    /// file must still keep what the queued jobs will need (their experiment's current keys).
    func testGCKeepsWhatQueuedJobsOfADetachedBuildWillRead() throws {
        let h = try CLIHarness()
        try h.write("d.yaml", """
            steps:
              a:
                foreach: { i: [1, 2] }
                command: echo {{ i }} > {{ out }}/v.txt
              b:
                foreach: { i: [1, 2] }
                inputs: { a: a }
                command: sleep 2; cat {{ inputs.a }}/v.txt > {{ out }}/w.txt

            """)
        XCTAssertEqual(try h.run(["build", "d.yaml", "a/*", "--store", "s"]).status, 0)
        let detached = try h.run(["build", "d.yaml", "--executor", "slurm", "--store", "s", "--detach"])
        XCTAssertEqual(detached.status, 0, detached.all)
        XCTAssertEqual(Self.queuedJobs(detached.out).count, 2, detached.out)
        let gc = try h.run(["gc", "--keep-days", "0", "--store", "s"])
        XCTAssertEqual(gc.status, 0, gc.all)
        XCTAssertTrue(gc.out.contains("deleted 0 records"), gc.out)
        try wait("the jobs to end") { try queue().isEmpty }
        let status = try h.run(["status", "d.yaml", "--store", "s"])
        XCTAssertTrue(status.out.contains("4 cached"), status.out)
        let verify = try h.run(["verify", "--store", "s"])
        XCTAssertEqual(verify.status, 0, verify.all)
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }

}
