import Foundation
import XCTest

/// `xgraph diff FILE A B` compares each node's result as of commit A with its result as of B,
/// each resolved through the experiment file and code *as that commit holds them*, never through
/// today's file. The study: `base` never changes, so the build at B takes it from
/// the store (recorded at A); `train` changes lr between A and B, and B adds a capacity. After B
/// the working tree moves on (lr and the script edited, nothing committed or built), so a diff
/// that read today's file or code would find no results for either commit.
final class DiffAsOfCommitTests: XCTestCase {
    static func spec(lr: String, capacities: String) -> String {
        """
        models:
          m:
            capacities: { \(capacities) }
        steps:
          base:
            code: [base.sh]
            command: sh base.sh {{ out }}
          tool:
            code: [lib]
            command: sh lib/run.sh {{ out }}
          train:
            foreach: { model: models }
            inputs: { base: base }
            params: { lr: \(lr) }
            code: [score.sh]
            command: sh score.sh {{ params.lr }} {{ model.k }} {{ out }}

        """
    }

    static let base = #"echo '{"level": 7}' > "$1/metrics.json""# + "\n"
    static let score = #"awk -v lr="$1" -v k="$2" 'BEGIN { printf "{\"score\": %.4f}\n", lr + k }' > "$3/metrics.json""# + "\n"

    func project() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write(".gitignore", "cache/\n")
        try h.write("base.sh", Self.base)
        try h.write("score.sh", Self.score)
        // A code folder, digested from the commit's tree as a build digests it from the disk.
        try h.write("lib/run.sh", #"cat lib/sub/w.txt > /dev/null; echo '{"w": 3}' > "$1/metrics.json""# + "\n")
        try h.write("lib/sub/w.txt", "weights\n")
        // The execute bit is part of a folder's digest, and git keeps it (mode 100755).
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: h.dir.path + "/lib/run.sh")
        try h.write("exp.yaml", Self.spec(lr: "0.1", capacities: "m1: { k: 1 }, m2: { k: 2 }"))
        try h.git("init", "-q", "-b", "main")
        try h.git("add", ".")
        try h.git("commit", "-q", "-m", "A: lr 0.1")
        try h.git("tag", "A")
        let a = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(a.status, 0, a.all)

        try h.write("exp.yaml", Self.spec(lr: "0.2", capacities: "m1: { k: 1 }, m2: { k: 2 }, m3: { k: 3 }"))
        try h.git("commit", "-q", "-am", "B: lr 0.2, m3")
        try h.git("tag", "B")
        let b = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(b.status, 0, b.all)

        // Today: neither committed nor built.
        try h.write("exp.yaml", Self.spec(lr: "0.3", capacities: "m1: { k: 1 }, m2: { k: 2 }, m3: { k: 3 }"))
        try h.write("score.sh", Self.score.replacingOccurrences(of: "lr + k", with: "lr * k"))
        return h
    }

    func rows(_ r: CLIHarness.Result) -> [[String]] {
        r.out.split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    func testEachSideIsResolvedThroughTheFileAndCodeAtItsCommit() throws {
        let h = try project()
        let r = try h.run(["diff", "exp.yaml", "A", "B", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(r.out.split(separator: "\n").first, "node,metric,a,b,delta", r.out)
        let byNode = Dictionary(rows(r).map { ($0[0], Array($0.dropFirst())) }, uniquingKeysWith: { x, _ in x })
        // base was recorded at A only; as of B its key is the same, so B's result is that run.
        XCTAssertEqual(byNode["base"]?[0], "level", r.out)
        XCTAssertEqual(byNode["base"]?.dropFirst().map { Double($0) }, [7, 7, 0], r.out)
        // lr 0.1 at A, 0.2 at B: score = lr + k, as the script at each commit computed it.
        XCTAssertEqual(try XCTUnwrap(Double(byNode["train/model=m1"]?[1] ?? "")), 1.1, accuracy: 1e-9, r.out)
        XCTAssertEqual(try XCTUnwrap(Double(byNode["train/model=m1"]?[2] ?? "")), 1.2, accuracy: 1e-9, r.out)
        XCTAssertEqual(try XCTUnwrap(Double(byNode["train/model=m2"]?[3] ?? "")), 0.1, accuracy: 1e-9, r.out)
        XCTAssertNil(byNode["train/model=m3"], "m3 is only in B's file: \(r.out)")
        XCTAssertEqual(byNode["tool"]?.dropFirst().map { Double($0) }, [3, 3, 0], "the code folder's key matches: \(r.out)")
        XCTAssertEqual(byNode.count, 4, r.out)
        XCTAssertTrue(r.err.contains("compared each node's result as of each commit"), r.err)
        XCTAssertTrue(r.err.contains("only in b's exp.yaml: 1 (train/model=m3)"), r.err)
        XCTAssertTrue(r.err.contains("4 node(s) in both commits' exp.yaml, 4 with results on both sides"), r.err)

        // The same commits without the file: only the runs recorded at each, so base is missing,
        // and the footer points to the file form.
        let recorded = try h.run(["diff", "A", "B", "--format", "csv"])
        XCTAssertEqual(recorded.status, 0, recorded.all)
        XCTAssertFalse(recorded.out.contains("base,"), recorded.out)
        XCTAssertTrue(recorded.err.contains("xgraph diff FILE A B"), recorded.err)
    }

    /// A commit whose file gives keys that were never built says so; today's file plays no part.
    func testNodesNotBuiltAsOfACommitAreNamedAndTodaysFileIsNotUsed() throws {
        let h = try project()
        // C: today's file committed, never built.
        try h.git("commit", "-q", "-am", "C: lr 0.3")
        let r = try h.run(["diff", "exp.yaml", "B", "HEAD", "--step", "train"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.contains("a = exp.yaml as of B = "), r.out)
        XCTAssertTrue(r.out.contains("not built as of b: 3 (train/model=m1, train/model=m2, train/model=m3)"), r.out)
        XCTAssertFalse(r.out.contains("base"), "--step train: \(r.out)")

        let missing = try h.run(["diff", "exp.yaml", "nosuchrev", "B"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("'nosuchrev' names no commit in the git repository of exp.yaml"), missing.err)
    }
}
