import Foundation
import XCTest

/// A cached result must be the result the current inputs would produce: each test is a way a
/// stale, wrong or lost result could be handed back, tried through the binary.
final class CacheTrustTests: XCTestCase {
    private func copyStep(_ dataset: String) -> String {
        """
        datasets:
          a: { path: a.txt, fingerprint: version, version: "1" }
          b: { path: b.txt, fingerprint: version, version: "1" }
          shard: { path: \(dataset), fingerprint: stat }
        steps:
          copy:
            inputs: { data: datasets.a }
            command: cat {{ inputs.data }} > {{ out }}/copy.txt

        """
    }

    func testSwitchingAnInputBetweenTwoDatasetsAtTheSameVersionRunsAgain() throws {
        let h = try CLIHarness()
        try h.write("a.txt", "from a\n")
        try h.write("b.txt", "from b\n")
        try h.write("s1.bin", "x")
        try h.write("exp.yaml", copyStep("s1.bin"))
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("exp.yaml", copyStep("s1.bin").replacingOccurrences(of: "datasets.a", with: "datasets.b"))
        let r = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(CLIHarness.started(r), ["copy"], r.out)
    }

    func testPointingAStatDatasetAtAnotherShardOfTheSameSizeAndTimeRunsAgain() throws {
        let h = try CLIHarness()
        try h.write("a.txt", "a\n")
        try h.write("b.txt", "b\n")
        try h.write("s1.bin", "1111")
        try h.write("s2.bin", "2222")
        let same = Date(timeIntervalSince1970: 1_700_000_000)
        for f in ["s1.bin", "s2.bin"] {
            try FileManager.default.setAttributes([.modificationDate: same], ofItemAtPath: h.dir.path + "/" + f)
        }
        let spec = copyStep("s1.bin").replacingOccurrences(of: "datasets.a }", with: "datasets.shard }")
        try h.write("exp.yaml", spec)
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("exp.yaml", spec.replacingOccurrences(of: "s1.bin", with: "s2.bin"))
        let r = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(CLIHarness.started(r), ["copy"], r.out)
    }

    func testCodeEditedWhileItsStepRunsIsNotRecordedUnderTheOldKey() throws {
        let h = try CLIHarness()
        try h.write("train.sh", "echo trained > \"$1/w.txt\"\n")
        // The first run edits its own code file while it runs, as a researcher editing
        // train.py during a long job would.
        try h.write("exp.yaml", """
            steps:
              train:
                code: [train.sh]
                command: |
                  [ -e edited ] || { echo '# edited' >> train.sh; touch edited; }
                  sh train.sh {{ out }}

            """)
        let first = try h.run(["build", "exp.yaml"])
        XCTAssertNotEqual(first.status, 0, first.all)
        XCTAssertTrue(first.all.contains("code") && first.all.contains("changed while the step ran"), first.all)
        let records = FileManager.default.enumerator(atPath: h.dir.path + "/cache/records")?.allObjects as? [String] ?? []
        XCTAssertEqual(records.filter { $0.hasSuffix(".json") }, [], "recorded under the key of the old code")
        let second = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(second.status, 0, second.all)
        XCTAssertEqual(CLIHarness.started(second), ["train"], second.out)
        XCTAssertTrue(try h.run(["build", "exp.yaml"]).out.hasPrefix("nothing to do"))
    }

    private let forcedPair = """
        steps:
          a:
            command: date +%s%N > {{ out }}/v
          b:
            inputs: { a: a }
            command: |
              cat {{ inputs.a }}/v >> seen.log
              cp {{ inputs.a }}/v {{ out }}/v

        """

    func testForcedRerunReplacesTheRecordAndDependentsSeeItsNewOutput() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", forcedPair)
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let r = try h.run(["build", "exp.yaml", "--force", "a"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(CLIHarness.started(r), ["a", "b"], r.out)
        XCTAssertFalse(r.out.contains("cutoff"), r.out)
        let seen = try h.read("seen.log").split(separator: "\n")
        XCTAssertEqual(seen.count, 2)
        XCTAssertNotEqual(seen.first, seen.last, "b read the old output of a after a was forced")
        // The next build reuses the new record: nothing runs and b's input is a's new output.
        XCTAssertTrue(try h.run(["build", "exp.yaml"]).out.hasPrefix("nothing to do"))
        let history = try FileManager.default.subpathsOfDirectory(atPath: h.dir.path + "/cache/history")
        XCTAssertEqual(history.filter { $0.hasSuffix(".json") }.count, 1, "the replaced record is kept")
    }

    private func artifactOf(_ h: CLIHarness, _ file: String) throws -> String {
        // The only artifact holding `file`.
        let root = h.dir.path + "/cache/artifacts"
        for name in try FileManager.default.contentsOfDirectory(atPath: root)
        where FileManager.default.fileExists(atPath: root + "/" + name + "/" + file) { return root + "/" + name }
        struct NoArtifact: Error, CustomStringConvertible { var description: String }
        throw NoArtifact(description: "no artifact in the store holds \(file)")
    }

    private func removeTree(_ path: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "chmod -R u+w \"$0\" && rm -rf \"$0\"", path]
        try? p.run(); p.waitUntilExit()
    }

    func testALostArtifactIsRestoredFromItsBlobsWithoutRunning() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", forcedPair)
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let before = try h.read("seen.log")
        let art = try artifactOf(h, "v")
        removeTree(art)
        let r = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.hasPrefix("nothing to do"), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: art + "/v"))
        XCTAssertEqual(try h.read("seen.log"), before)
    }

    func testALostArtifactWhoseBlobsAreGoneRunsOnceAndHeals() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              a:
                command: echo one > {{ out }}/v; echo "$XGRAPH_NODE" >> ran.log

            """)
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        _ = try h.takeRan()
        removeTree(try artifactOf(h, "v"))
        removeTree(h.dir.path + "/cache/blobs")
        let plan = try h.run(["plan", "exp.yaml"])
        XCTAssertTrue(plan.out.contains("recorded output is missing"), plan.out)
        let r = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try h.takeRan(), ["a"])
        let again = try h.run(["build", "exp.yaml"])
        XCTAssertTrue(again.out.hasPrefix("nothing to do"), again.out)
        XCTAssertEqual(try h.takeRan(), [])
    }

    func testADetachedChildStillWritingIntoTheOutputIsReportedAndNotRecorded() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              leaky:
                command: |
                  cd {{ out }}
                  setsid sh -c 'touch started; sleep 3; echo late > late.txt' > /dev/null 2>&1 &
                  # Until the child has left the step's process group it would be stopped with it.
                  while [ ! -f started ]; do sleep 0.05; done
                  echo done > result.txt
              clean:
                foreach: { i: [1, 2] }
                command: sleep 1; echo {{ i }} > {{ out }}/r.txt

            """)
        let r = try h.run(["build", "exp.yaml", "-k", "-j", "1"])
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.all.contains("still using $XGRAPH_OUT"), r.all)
        Thread.sleep(forTimeInterval: 3.5)
        let root = h.dir.path + "/cache/artifacts"
        for name in try FileManager.default.contentsOfDirectory(atPath: root) {
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/" + name + "/late.txt"),
                           "a detached child wrote into another node's artifact")
        }
    }
}
