import Foundation
import XCTest

/// `xgraph gc` keeps exactly what its rules keep, and never breaks a build that runs beside it.
final class GCTests: XCTestCase {
    /// Two steps; `train`'s output is 64 KiB of bytes that depend on `lr`, so each generation
    /// has its own blobs.
    static let spec = """
        steps:
          train:
            foreach: { n: [1, 2] }
            params: { lr: LR }
            command: "seq {{ n }} 3 999999 | sed s/^/{{ params.lr }}/ | head -c 65536 > {{ out }}/w; echo '{\\"loss\\": {{ params.lr }}}' > {{ out }}/metrics.json"
          eval:
            foreach: { n: [1, 2] }
            inputs: { m: train }
            command: "wc -c < {{ inputs.m }}/w > {{ out }}/size"

        """

    private func project(lr: String = "0.1") throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "LR", with: lr))
        return h
    }

    private func build(_ h: CLIHarness, lr: String) throws {
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "LR", with: lr))
        let b = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(b.status, 0, b.all)
    }

    private func files(_ h: CLIHarness, _ sub: String, suffix: String = "") -> Set<String> {
        let root = h.dir.path + "/cache/" + sub
        var out = Set<String>()
        for fan in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            for f in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + fan)) ?? [] where f.hasSuffix(suffix) {
                out.insert(fan + "/" + f)
            }
        }
        return out
    }

    private func artifacts(_ h: CLIHarness) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: h.dir.path + "/cache/artifacts")) ?? [])
    }

    private func assertVerifiesClean(_ h: CLIHarness, file: StaticString = #filePath, line: UInt = #line) throws {
        let v = try h.run(["verify"])
        XCTAssertEqual(v.status, 0, v.all, file: file, line: line)
        XCTAssertTrue(v.out.contains("no problems"), v.all, file: file, line: line)
    }

    func testGCOfAFileKeepsItsCurrentGenerationAndDeletesTheOldOne() throws {
        let h = try project()
        try build(h, lr: "0.1")
        let oldArtifacts = artifacts(h), oldLogs = files(h, "logs", suffix: ".log"), oldRecords = files(h, "records")
        try build(h, lr: "0.2")
        let newArtifacts = artifacts(h).subtracting(oldArtifacts)
        let newLogs = files(h, "logs", suffix: ".log").subtracting(oldLogs)
        let newRecords = files(h, "records").subtracting(oldRecords)
        XCTAssertEqual(newRecords.count, 4)

        let gc = try h.run(["gc", "exp.yaml"])
        XCTAssertEqual(gc.status, 0, gc.all)
        XCTAssertTrue(gc.out.contains("deleted 4 records"), gc.out)
        XCTAssertEqual(files(h, "records"), newRecords, "exactly the old generation's records go")
        XCTAssertTrue(newArtifacts.isSubset(of: artifacts(h)))
        XCTAssertEqual(artifacts(h), Set(try h.records("cache").compactMap { $0["output"] as? String }),
                       "exactly the artifacts the kept records name stay (one is shared by both generations)")
        XCTAssertEqual(files(h, "logs", suffix: ".log"), newLogs, "and its logs")
        XCTAssertTrue(files(h, "logs", suffix: ".params.json").count == newLogs.count)
        let rebuild = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(rebuild.status, 0, rebuild.all)
        XCTAssertTrue(rebuild.out.hasPrefix("nothing to do"), rebuild.all)
        try assertVerifiesClean(h)
        // The results index follows: the deleted runs are gone from --all too.
        let all = try h.run(["results", "exp.yaml", "--all", "--step", "train", "--format", "csv"])
        XCTAssertEqual(all.out.split(separator: "\n").count, 3, all.all)
        // The old generation really is gone: building it again runs it.
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "LR", with: "0.1"))
        XCTAssertTrue(try h.run(["plan", "exp.yaml"]).out.contains("will run"))
    }

    func testDryRunDeletesNothingAndSaysWhatWouldGo() throws {
        let h = try project()
        try build(h, lr: "0.1")
        try build(h, lr: "0.2")
        let before = files(h, "records").union(files(h, "blobs")).union(files(h, "logs"))
        let dry = try h.run(["gc", "exp.yaml", "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.all)
        XCTAssertTrue(dry.out.contains("would delete 4 records"), dry.out)
        XCTAssertTrue(dry.out.contains("train") && dry.out.contains("eval"), "per step: \(dry.out)")
        XCTAssertEqual(files(h, "records").union(files(h, "blobs")).union(files(h, "logs")), before)
        let du = try h.run(["du", "exp.yaml", "--format", "json"])
        XCTAssertEqual(du.status, 0, du.all)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(du.out.utf8)) as? [String: Any])
        let wouldFree = try XCTUnwrap(json["gcWouldFree"] as? [String: Any])
        XCTAssertEqual(wouldFree["records"] as? Int, 4)
        XCTAssertGreaterThan(wouldFree["bytes"] as? Int ?? 0, 2 * 60_000, "the old generation's two 64 KiB outputs")
    }

    func testGCNeedsToBeToldWhatToKeep() throws {
        let h = try project()
        try build(h, lr: "0.1")
        let gc = try h.run(["gc"])
        XCTAssertNotEqual(gc.status, 0)
        XCTAssertTrue(gc.err.contains("needs to know what to keep"), gc.all)
        XCTAssertEqual(files(h, "records").count, 4)
        let bad = try h.run(["gc", "--max-size", "lots"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("500G"), bad.all)
    }

    func testKeepCommitsKeepsTheRunsOfTheLastCommits() throws {
        let h = try project()
        try h.git("init", "-q", "-b", "main")
        for (i, lr) in ["0.1", "0.2", "0.3"].enumerated() {
            try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "LR", with: lr))
            try h.git("add", "exp.yaml")
            try h.git("commit", "-q", "-m", "lr \(lr) (\(i))")
            try build(h, lr: lr)
        }
        // The current file is lr 0.3; the last two commits are 0.3 and 0.2.
        let gc = try h.run(["gc", "--keep-commits", "2"])
        XCTAssertEqual(gc.status, 0, gc.all)
        let kept = try h.records("cache").compactMap { ($0["params"] as? [String: Any])?["lr"] as? Double }
        XCTAssertEqual(Set(kept), [0.2, 0.3], gc.out)
        try assertVerifiesClean(h)
    }

    func testKeepDaysKeepsWhatIsYoungerAndDeletesWhatIsOlder() throws {
        let h = try project()
        try build(h, lr: "0.1")
        // Age the first generation: its records say they ran in 2020.
        for path in files(h, "records").map({ h.dir.path + "/cache/records/" + $0 }) {
            var text = try String(contentsOfFile: path, encoding: .utf8)
            text = text.replacingOccurrences(of: #""end":"20\d\d-"#, with: "\"end\":\"2020-", options: .regularExpression)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }
        try build(h, lr: "0.2")
        let gc = try h.run(["gc", "--keep-days", "30"])
        XCTAssertEqual(gc.status, 0, gc.all)
        let kept = try h.records("cache").compactMap { ($0["params"] as? [String: Any])?["lr"] as? Double }
        XCTAssertEqual(Set(kept), [0.2], gc.out)
        XCTAssertTrue(try h.run(["build", "exp.yaml"]).out.hasPrefix("nothing to do"))
    }

    func testMaxSizeDeletesTheLeastRecentlyBuiltOnlyUntilTheStoreFits() throws {
        let h = try project()
        try build(h, lr: "0.1")
        try build(h, lr: "0.2")
        try build(h, lr: "0.3")
        // Three generations of two 64 KiB outputs; room for two generations.
        let gc = try h.run(["gc", "--max-size", "300K"])
        XCTAssertEqual(gc.status, 0, gc.all)
        let kept = try h.records("cache").compactMap { ($0["params"] as? [String: Any])?["lr"] as? Double }
        XCTAssertEqual(Set(kept), [0.2, 0.3], "the oldest goes first, and only it: \(gc.out)")
        XCTAssertTrue(try h.run(["build", "exp.yaml"]).out.hasPrefix("nothing to do"))
        try assertVerifiesClean(h)
    }

    /// A record a later build used (its output an input of a node that ran) counts as used then,
    /// not when it was recorded.
    func testMaxSizeGoesByLastUseNotByRecordingTime() throws {
        let h = try project()
        try build(h, lr: "0.1")
        try build(h, lr: "0.2")
        // Back to 0.1 with a changed eval: eval runs again on top of the first generation's train.
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "LR", with: "0.1")
            .replacingOccurrences(of: "> {{ out }}/size", with: "> {{ out }}/size # v2"))
        let b = try h.run(["build", "exp.yaml"])
        XCTAssertTrue(b.out.contains("built 2, cached 2"), b.all)
        let gc = try h.run(["gc", "--max-size", "150K"])
        XCTAssertEqual(gc.status, 0, gc.all)
        let kept = try h.records("cache").compactMap { ($0["params"] as? [String: Any])?["lr"] as? Double }
        XCTAssertEqual(Set(kept), [0.1], "the second generation was used least recently: \(gc.out)")
    }

    func testResumeFoldersOfKeysNothingKeepsGo() throws {
        let h = try project()
        try h.write("exp.yaml", """
            steps:
              long:
                params: { v: 1 }
                resume: true
                command: "echo part > {{ resume }}/state; exit 3"

            """)
        XCTAssertNotEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let resume = h.dir.path + "/cache/resume"
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: resume).filter { !$0.hasSuffix(".node") }.count, 1)
        // Still the current key of the file: kept.
        XCTAssertEqual(try h.run(["gc", "exp.yaml"]).status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: resume).filter { !$0.hasSuffix(".node") }.count, 1)
        // The spec moved on: nothing keeps the old key's folder.
        try h.write("exp.yaml", "steps:\n  long:\n    params: { v: 2 }\n    command: echo ok\n")
        let gc = try h.run(["gc", "exp.yaml"])
        XCTAssertEqual(gc.status, 0, gc.all)
        XCTAssertTrue(gc.out.contains("1 resume folders"), gc.out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: resume), [])
    }

    /// gc with nothing named keeps only what running builds pin: builds started before, during
    /// and after it must all succeed, and the store must verify clean after every round.
    func testGCBesideRunningBuildsNeverBreaksThem() throws {
        let h = try project()
        try h.write("exp.yaml", """
            steps:
              a:
                foreach: { n: [1, 2, 3] }
                params: { v: V }
                command: "sleep 0.1; seq {{ n }}000 | sed s/^/{{ params.v }}/ > {{ out }}/data"
              b:
                foreach: { n: [1, 2, 3] }
                inputs: { x: a }
                command: "sleep 0.2; cat {{ inputs.x }}/data | wc -l > {{ out }}/count"
              c:
                foreach: { n: [1, 2, 3] }
                inputs: { y: b }
                command: "sleep 0.1; cat {{ inputs.y }}/count > {{ out }}/all"

            """.replacingOccurrences(of: "V", with: "0"))
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        var rng = SystemRandomNumberGenerator()
        for round in 0..<6 {
            // Half the rounds rebuild what exists (reuse under gc), half build a new generation.
            let v = round % 2 == 0 ? "0" : String(round)
            let text = try h.read("exp.yaml").replacingOccurrences(of: #"v: \w+"#, with: "v: \(v)", options: .regularExpression)
            try h.write("exp.yaml", text)
            let log = "build-\(round).log"
            let b = try h.start(["build", "exp.yaml", "-j", "3"], outputTo: log)
            usleep(UInt32.random(in: 0...200_000, using: &rng))
            // gc after gc while the build runs, so every moment of it meets one.
            var gcs: [CLIHarness.Result] = []
            repeat { gcs.append(try h.run(["gc", "--keep-days", "0"])) } while b.isRunning
            b.waitUntilExit()
            let out = (try? h.read(log)) ?? ""
            XCTAssertEqual(b.terminationStatus, 0, "round \(round): the build failed beside \(gcs.count) gcs:\n\(out)")
            for gc in gcs { XCTAssertEqual(gc.status, 0, gc.all) }
            XCTAssertTrue(gcs.count > 1 || round == 0 || !gcs[0].out.contains("deleted 0 records"), gcs.map(\.out).joined())
            try assertVerifiesClean(h)
            // What the build recorded is whole: its last node reads back.
            let path = try h.run(["path", "exp.yaml", "c/n=1"])
            if path.status == 0 {
                XCTAssertTrue(FileManager.default.fileExists(atPath: path.out.trimmingCharacters(in: .whitespacesAndNewlines) + "/all"), path.all)
            }
        }
    }
}
