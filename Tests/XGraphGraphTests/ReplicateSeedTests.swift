import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphGraph

/// A literal `seed` axis makes replicates: builtin:subset draws with it, other
/// steps read it at the top level, and inputs match on it like any shared axis.
final class ReplicateSeedTests: XCTestCase {
    static let yaml = """
    datasets:
      d: { path: /data/d, fingerprint: stat, items: 1000 }
    subsets:
      d: { dataset: d, sizes: [100, 300], nested: true, seed: 7 }
    steps:
      subset:
        run: builtin:subset
        foreach: { data: subsets.d, seed: [0, 1, 2] }
        inputs: { dataset: datasets.d }
      train:
        foreach: { data: subsets.d, seed: [0, 1, 2] }
        inputs: { subset: subset }
        command: train --seed {{ seed }} --draw {{ data.seed }} --out {{ out }}
      probe:
        foreach: { data: subsets.d, seed: [0, 1] }
        inputs: { model: { step: train, where: { seed: 0 } } }
        command: probe --seed {{ seed }} --out {{ out }}
    """

    func node(_ g: Graph, _ id: String) throws -> Node {
        try XCTUnwrap(g.index(of: id).map { g.nodes[$0] }, id)
    }

    func testTheSubsetDrawTakesTheSeedAxis() throws {
        let g = try Expander.expand(try Fixture().load(Self.yaml))
        for seed in 0..<3 {
            let subset = try node(g, "subset/data=100/seed=\(seed)")
            XCTAssertEqual(subset.params["data"]?["seed"], .int(seed), "the draw seed")
            XCTAssertEqual(subset.params["seed"], .int(seed))
        }
    }

    func testOtherStepsReadTheSeedAtTopLevelAndMatchInputsOnIt() throws {
        let g = try Expander.expand(try Fixture().load(Self.yaml))
        let train = try node(g, "train/data=300/seed=2")
        XCTAssertEqual(train.inputs.map(\.node), ["subset/data=300/seed=2"])
        XCTAssertTrue(train.command.contains("--seed 2 --draw 7"), "a user step's subset params stay declared: \(train.command)")
        XCTAssertEqual(try node(g, "probe/data=100/seed=1").inputs.map(\.node), ["train/data=100/seed=0"])
    }

    func testASubsetSeedAxisMustHoldIntegers() throws {
        let yaml = Self.yaml.replacingOccurrences(of: "foreach: { data: subsets.d, seed: [0, 1, 2] }\n    inputs: { dataset",
                                                  with: "foreach: { data: subsets.d, seed: [a, b] }\n    inputs: { dataset")
        XCTAssertNotEqual(yaml, Self.yaml)
        XCTAssertThrowsError(try Expander.expand(try Fixture().load(yaml))) {
            XCTAssertTrue("\($0)".contains("must be integers ≥ 0; got 'a'"), "\($0)")
        }
    }
}
