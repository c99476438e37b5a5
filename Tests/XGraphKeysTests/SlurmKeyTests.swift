import Foundation
import XCTest
import XGraphCore
import XGraphGraph
import XGraphKeys
import XGraphSpec

/// Placement (partition, account, sbatch arguments…) decides where a node runs, never what it
/// produces, so it must not enter keys: moving a study to another partition rebuilds nothing.
final class SlurmKeyTests: XCTestCase {
    func graph(_ text: String) throws -> Graph {
        let dir = NSTemporaryDirectory() + "xgraph-slurm-key-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/exp.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try Expander.expand(try SpecLoader.load(path: path))
    }

    func keys(_ g: Graph) throws -> [String: Digest] {
        var out: [String: Digest] = [:]
        for node in g.nodes {
            // Each input's output digest stands in for a built upstream node.
            let inputs = Dictionary(uniqueKeysWithValues: node.inputs.map { ($0.name, Digest.of($0.node)) })
            out[node.id] = try NodeKeyer.key(for: node, codeDigests: [:], inputDigests: inputs, builtinVersion: 1).key
        }
        return out
    }

    let steps = """
    steps:
      train:
        foreach: { lr: [0.1, 0.01] }
        command: python train.py --lr {{ lr }} --out {{ out }}
        resume: true
        SLURM
      eval:
        foreach: { lr: [0.1, 0.01] }
        inputs: { ckpt: train }
        command: python eval.py {{ inputs.ckpt }}
    """

    func testTwoSpecsDifferingOnlyInTheirSlurmProfileGiveTheSameKeys() throws {
        let plain = try graph(steps.replacingOccurrences(of: "SLURM", with: ""))
        let placed = try graph("""
        executor:
          slurm: { partition: gpu, account: proj42, qos: high, constraint: a100, reservation: r1,
                   sbatch_args: [--exclusive], signal_before_end: 10m }

        """ + steps.replacingOccurrences(of: "SLURM", with:
            "slurm: { partition: big, sbatch_args: [\"--nice=5\"], signal_before_end: 2m }"))
        // The profiles did reach the nodes, so equal keys mean the keyer left them out.
        let train = try XCTUnwrap(placed.nodes.first { $0.id == "train/lr=0.1" })
        XCTAssertEqual(train.slurm, SlurmProfile(partition: "big", account: "proj42", qos: "high", constraint: "a100",
                                                 reservation: "r1", sbatchArgs: ["--exclusive", "--nice=5"], signalSeconds: 120))
        let eval = try XCTUnwrap(placed.nodes.first { $0.id == "eval/lr=0.1" })
        XCTAssertEqual(eval.slurm.partition, "gpu")
        XCTAssertEqual(plain.nodes.first?.slurm, SlurmProfile())

        let a = try keys(plain), b = try keys(placed)
        XCTAssertEqual(a.count, 4)
        XCTAssertEqual(a, b)
    }
}
