import Foundation
import XCTest

/// A user's script finds a node's output with `xgraph path`, and a collaborator without xgraph
/// gets them with `xgraph export`: only outputs built for the current spec, never a stale one.
final class NodeOutputTests: XCTestCase {
    static let spec = """
        steps:
          train:
            foreach: { lr: [0.1, 0.01] }
            command: echo {{ lr }} > {{ out }}/w; cp acc.json {{ out }}/metrics.json

        """

    private func built() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.spec)
        try h.write("acc.json", #"{"acc": 0.5}"#)
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        return h
    }

    func testPathPrintsTheCurrentOutputAndRefusesAStaleOne() throws {
        let h = try built()
        let r = try h.run(["path", "exp.yaml", "train/lr=0.1"])
        XCTAssertEqual(r.status, 0, r.all)
        let folder = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try String(contentsOfFile: folder + "/w", encoding: .utf8), "0.1\n")
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "echo {{ lr }}", with: "echo lr={{ lr }}"))
        let stale = try h.run(["path", "exp.yaml", "train/lr=0.1"])
        XCTAssertNotEqual(stale.status, 0, stale.all)
        XCTAssertTrue(stale.err.contains("not built for the current spec"), stale.err)
        XCTAssertTrue(stale.err.contains("command changed"), stale.err)
    }

    func testExportCopiesOutputsByNodeNameWithAManifestAndNeverOverwrites() throws {
        let h = try built()
        let dir = h.dir.path + "/shared"
        let r = try h.run(["export", "exp.yaml", "train/*", dir])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try String(contentsOfFile: dir + "/train/lr=0.01/w", encoding: .utf8), "0.01\n")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json"))) as? [String: Any]
        let nodes = manifest?["nodes"] as? [[String: Any]] ?? []
        XCTAssertEqual(nodes.compactMap { $0["node"] as? String }.sorted(), ["train/lr=0.01", "train/lr=0.1"])
        XCTAssertEqual((nodes.first?["metrics"] as? [String: Any])?["acc"] as? Double, 0.5)
        // The copies are the collaborator's to change; the store's files stay as they were.
        XCTAssertTrue(FileManager.default.isWritableFile(atPath: dir + "/train/lr=0.01/w"))
        let again = try h.run(["export", "exp.yaml", dir])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.err.contains("never overwrites"), again.err)
        XCTAssertEqual(try h.run(["verify"]).status, 0)
    }
}
