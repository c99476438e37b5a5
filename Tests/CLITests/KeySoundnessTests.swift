import Foundation
import XCTest

/// The key covers exactly what determines a node's outputs. For each input kind that reaches a
/// key, an edit re-runs exactly the nodes that depend on it (and early cutoff stops the rest);
/// for each thing that must not reach a key, an edit re-runs nothing.
final class KeySoundnessTests: XCTestCase {
    static let spec = """
        datasets:
          d: { path: d.txt }
          v: { path: v.txt, fingerprint: version, version: "1" }
          s: { path: s.txt, fingerprint: stat }
        steps:
          prep:
            inputs: { d: datasets.d }
            code: [prep.sh]
            env: { MODE: fast }
            params: { k: 1 }
            command: sh prep.sh {{ inputs.d }} {{ out }} {{ params.k }}
          train:
            foreach: { m: [small, large] }
            inputs: { p: prep }
            code: [lib]
            command: cat {{ inputs.p }}/o lib/x > {{ out }}/o; echo {{ m }} >> {{ out }}/o
          side:
            inputs: { v: datasets.v, s: datasets.s }
            command: cat {{ inputs.v }} {{ inputs.s }} > {{ out }}/o

        """

    private func project() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.spec)
        try h.write("d.txt", "data\n")
        try h.write("v.txt", "versioned\n")
        try h.write("s.txt", "stat\n")
        try h.write("prep.sh", "cat \"$1\" > \"$2/o\"; echo \"$3 $MODE\" >> \"$2/o\"\n")
        try h.write("lib/x", "lib\n")
        let first = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(first.status, 0, first.all)
        return h
    }

    private func rebuild(_ h: CLIHarness, _ args: [String] = [], env: [String: String] = [:]) throws -> [String] {
        let r = try h.run(["build", "exp.yaml"] + args, env: env)
        XCTAssertEqual(r.status, 0, r.all)
        return CLIHarness.started(r)
    }

    private let trains = ["train/m=large", "train/m=small"]

    // MARK: what must re-run

    func testDatasetContentReRunsItsReaders() throws {
        let h = try project()
        try h.write("d.txt", "other data\n")
        XCTAssertEqual(try rebuild(h), ["prep"] + trains)
    }

    func testDatasetVersionReRunsItsReaders() throws {
        let h = try project()
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "version: \"1\"", with: "version: \"2\""))
        XCTAssertEqual(try rebuild(h), ["side"])
    }

    func testDatasetStatReRunsItsReaders() throws {
        let h = try project()
        try h.write("s.txt", "STAT\n")
        XCTAssertEqual(try rebuild(h), ["side"])
    }

    func testCodeFileReRunsItsStepAndChangedDependents() throws {
        let h = try project()
        try h.write("prep.sh", "cat \"$1\" > \"$2/o\"; echo \"$3 $MODE v2\" >> \"$2/o\"\n")
        XCTAssertEqual(try rebuild(h), ["prep"] + trains)
    }

    func testCodeFolderReRunsItsStep() throws {
        let h = try project()
        try h.write("lib/x", "lib v2\n")
        XCTAssertEqual(try rebuild(h), trains)
    }

    func testParamReRunsItsStepAndChangedDependents() throws {
        let h = try project()
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "k: 1", with: "k: 2"))
        XCTAssertEqual(try rebuild(h), ["prep"] + trains)
    }

    func testEnvReRunsItsStepAndChangedDependents() throws {
        let h = try project()
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "MODE: fast", with: "MODE: slow"))
        XCTAssertEqual(try rebuild(h), ["prep"] + trains)
    }

    func testCommandReRunsItsStepAndIdenticalOutputsCutOffTheRest() throws {
        let h = try project()
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "{{ params.k }}\n", with: "{{ params.k }}; true\n"))
        XCTAssertEqual(try rebuild(h), ["prep"])
    }

    func testAnAxisValueReRunsOnlyItsNode() throws {
        let h = try project()
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "[small, large]", with: "[small, huge]"))
        XCTAssertEqual(try rebuild(h), ["train/m=huge"])
    }

    // MARK: what must not

    func testWhatIsNotAnInputReRunsNothing() throws {
        let h = try project()
        let reordered = Self.spec
            .replacingOccurrences(of: "[small, large]", with: "[large, small]")
            .replacingOccurrences(of: """
                    env: { MODE: fast }
                    params: { k: 1 }
                """, with: """
                    params: { k: 1 }   # a comment
                    env: { MODE: fast }
                """)
        XCTAssertNotEqual(reordered, Self.spec)
        try h.write("exp.yaml", "# key order, axis order and comments are not inputs\n" + reordered)
        XCTAssertEqual(try rebuild(h), [])
        // Timestamps alone: the same bytes written again.
        Thread.sleep(forTimeInterval: 0.01)
        try h.write("prep.sh", "cat \"$1\" > \"$2/o\"; echo \"$3 $MODE\" >> \"$2/o\"\n")
        try h.write("d.txt", "data\n")
        try h.write("lib/x", "lib\n")
        XCTAssertEqual(try rebuild(h), [])
        // The job count and the machine's GPUs (the step does not say they change results).
        XCTAssertEqual(try rebuild(h, ["-j", "1", "--gpus", "2"]), [])
    }
}
