import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphGraph
import XGraphSpec

/// A grid over the subsets of several datasets (JFT and ImageNet-21k side by side,
/// as BiT compares upstream datasets). Both declare the same sizes, so a subset is named by
/// its dataset and its size, and inputs match on both.
let twoSources = """
datasets:
  jft:  { path: /data/jft, fingerprint: stat, items: 300M }
  inet: { path: /data/inet, fingerprint: stat, items: 14M }
subsets:
  jft:  { dataset: jft, sizes: [1M, 10M], seed: 1 }
  inet: { dataset: inet, sizes: [1M, 10M], seed: 2 }
models:
  resnet: { capacities: { r50: {depth: 50}, r101: {depth: 101} } }
steps:
  subset:
    run: builtin:subset
    foreach: { source: datasets, data: source.subsets }
    inputs: { dataset: "datasets.{{ source }}" }
  pretrain:
    foreach: { source: datasets, data: source.subsets, model: models.resnet }
    inputs: { subset: subset }
    command: train --indices {{ inputs.subset }}/indices.npy --depth {{ model.depth }} --out {{ out }}
"""

final class MultiDatasetGridTests: XCTestCase {
    func expand(_ yaml: String, _ f: Fixture = Fixture()) throws -> Graph {
        try Expander.expand(try f.load(yaml))
    }

    func expandError(_ yaml: String, _ f: Fixture, line: UInt = #line) -> (SourceLocation?, String) {
        do {
            _ = try expand(yaml, f)
            XCTFail("expected an error", line: line)
        } catch XGraphError.spec(let loc, let m) {
            return (loc, m)
        } catch {
            XCTFail("unexpected \(error)", line: line)
        }
        return (nil, "")
    }

    func at(_ f: Fixture, _ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: f.dir + "/exp.yaml", line: line, column: column)
    }

    func node(_ g: Graph, _ id: String, line: UInt = #line) throws -> Node {
        g.nodes[try XCTUnwrap(g.index(of: id), "no node \(id); nodes: \(g.nodes.map(\.id))", line: line)]
    }

    /// The collision: one subset axis over both families takes `1M` twice. The error now says
    /// how to write the grid.
    func testOneSubsetAxisOverTwoDatasetsWithTheSameSizesIsAnErrorThatShowsTheGridForm() {
        let f = Fixture()
        let yaml = twoSources.replacingOccurrences(of: "source: datasets, data: source.subsets", with: "data: subsets")
            .replacingOccurrences(of: #""datasets.{{ source }}""#, with: "datasets.jft")
        let (loc, msg) = expandError(yaml, f)
        XCTAssertEqual(loc, at(f, 12, 22))
        XCTAssertTrue(msg.hasPrefix("axis 'data' of step 'subset' takes the value '1M' twice (from subsets)"), msg)
        XCTAssertTrue(msg.contains("foreach: { source: datasets, data: source.subsets }"), msg)
    }

    func testSubsetsOfTwoDatasetsAtTheSameSizesAreNamedByDatasetAndSize() throws {
        let g = try expand(twoSources)
        XCTAssertEqual(g.nodes.filter { $0.step == "subset" }.map(\.id), [
            "subset/source=jft/data=1M", "subset/source=jft/data=10M",
            "subset/source=inet/data=1M", "subset/source=inet/data=10M",
        ])
        XCTAssertEqual(g.nodes.filter { $0.step == "pretrain" }.count, 2 * 2 * 2)
        XCTAssertEqual(try node(g, "subset/source=inet/data=1M").inputs, [InputEdge(name: "dataset", node: "dataset/inet")])
        XCTAssertEqual(try node(g, "subset/source=jft/data=10M").inputs, [InputEdge(name: "dataset", node: "dataset/jft")])
        // Each subset's params are its own family's: inet's seed and item count.
        let inet = try node(g, "subset/source=inet/data=1M").params
        XCTAssertEqual(inet["data"]?["dataset"], .string("inet"))
        XCTAssertEqual(inet["data"]?["seed"], .int(2))
        XCTAssertEqual(inet["data"]?["items"], .int(14_000_000))
        XCTAssertEqual(inet["source"]?["name"], .string("inet"))
    }

    func testEachPretrainNodeReadsTheSubsetOfItsOwnDataset() throws {
        let g = try expand(twoSources)
        for source in ["jft", "inet"] {
            for size in ["1M", "10M"] {
                let n = try node(g, "pretrain/source=\(source)/data=\(size)/model=r101")
                XCTAssertEqual(n.inputs, [InputEdge(name: "subset", node: "subset/source=\(source)/data=\(size)")])
            }
        }
    }

    /// The silent wrong wiring: a step over JFT's subsets read a step over ImageNet's, and the
    /// labels alone matched (`1M` to `1M`), so JFT nodes trained on ImageNet indices.
    func testASubsetIsNeverMatchedToAnotherDatasetsSubsetOfTheSameSize() {
        let f = Fixture()
        let (loc, msg) = expandError("""
        datasets:
          jft:  { path: /data/jft, items: 300M, fingerprint: stat }
          inet: { path: /data/inet, items: 14M, fingerprint: stat }
        subsets:
          jft:  { dataset: jft, sizes: [1M, 10M] }
          inet: { dataset: inet, sizes: [1M, 10M] }
        steps:
          subset:
            run: builtin:subset
            foreach: { data: subsets.inet }
            inputs: { dataset: datasets.inet }
          pretrain:
            foreach: { data: subsets.jft }
            inputs: { subset: subset }
            command: train {{ inputs.subset }}
        """, f)
        XCTAssertEqual(loc, at(f, 14, 23))
        XCTAssertEqual(msg, "node 'pretrain/data=1M' reads input 'subset' from step 'subset', whose axis 'data' has no "
            + "subset of dataset 'jft' of size 1M (it ranges over subsets.inet: dataset inet); inputs match a subset "
            + "on its dataset and its size")
    }

    /// A step over one dataset's subsets may read the grid: the dataset is implied by the subset.
    func testAStepOverOneFamilyReadsTheGridNodesOfItsDataset() throws {
        let g = try expand(twoSources + """

          probe:
            foreach: { data: subsets.inet }
            inputs: { ckpt: { step: pretrain, where: { model: r50 } } }
            command: probe {{ inputs.ckpt }}
        """)
        XCTAssertEqual(try node(g, "probe/data=10M").inputs,
                       [InputEdge(name: "ckpt", node: "pretrain/source=inet/data=10M/model=r50")])
    }

    /// A pin on the size alone names a node of each dataset: an error naming both.
    func testAPinOnTheSizeAloneIsAmbiguousAndNamesTheCandidates() {
        let f = Fixture()
        let (loc, msg) = expandError(twoSources + """

          probe:
            foreach: { model: models.resnet }
            inputs: { ckpt: { step: pretrain, where: { data: 10M } } }
            command: probe {{ inputs.ckpt }}
        """, f)
        XCTAssertEqual(loc, at(f, 20, 54))
        XCTAssertEqual(msg, "node 'probe/model=r50' reads input 'ckpt' from step 'pretrain' with 'data' pinned to '10M', "
            + "which matches 2 nodes: pretrain/source=jft/data=10M/model=r50, pretrain/source=inet/data=10M/model=r50; "
            + "pin the dataset as well, e.g. where: { source: jft, data: 10M }")
    }

    /// A pin on the size with the dataset axis matched picks each node's own dataset.
    func testAPinOnTheSizeIsResolvedByTheMatchedDataset() throws {
        let g = try expand(twoSources + """

          check:
            foreach: { source: datasets }
            inputs:
              small: { step: subset, where: { data: 1M } }
              large: { step: subset, where: { data: 10M } }
            command: check {{ inputs.small }} {{ inputs.large }}
        """)
        XCTAssertEqual(g.nodes.filter { $0.step == "check" }.map(\.id), ["check/source=jft", "check/source=inet"])
        XCTAssertEqual(try node(g, "check/source=inet").inputs, [
            InputEdge(name: "small", node: "subset/source=inet/data=1M"),
            InputEdge(name: "large", node: "subset/source=inet/data=10M"),
        ])
    }

    func testFiltersNameTheDatasetAndTheSize() throws {
        let g = try expand(twoSources.replacingOccurrences(of: "    inputs: { subset: subset }", with: """
            inputs: { subset: subset }
            exclude: [{ source: inet, data: 10M }, { data: 1M, model: r50 }]
        """))
        XCTAssertEqual(g.nodes.filter { $0.step == "pretrain" }.map(\.id), [
            "pretrain/source=jft/data=1M/model=r101", "pretrain/source=jft/data=10M/model=r50",
            "pretrain/source=jft/data=10M/model=r101", "pretrain/source=inet/data=1M/model=r101",
        ])
    }

    /// A dataset axis over every dataset pairs with subsets only where a dataset has some: the
    /// held-out set gets no subset nodes, and no dataset node nobody reads.
    func testADatasetWithoutSubsetsMakesNoNodes() throws {
        let g = try expand(twoSources.replacingOccurrences(of: "subsets:\n", with: "  heldout: { path: /data/h, fingerprint: stat }\nsubsets:\n"))
        XCTAssertFalse(g.nodes.contains { $0.id.contains("heldout") }, "\(g.nodes.map(\.id))")
        XCTAssertEqual(g.nodes.filter { $0.step == "subset" }.count, 4)
    }

    /// builtin:subset draws from its `dataset` input: reading another dataset than the
    /// subset's would draw ImageNet's subset from JFT's files.
    func testTheSubsetBuiltinMustReadItsSubsetsOwnDataset() {
        let f = Fixture()
        let (loc, msg) = expandError(twoSources.replacingOccurrences(of: #"inputs: { dataset: "datasets.{{ source }}" }"#,
                                                                     with: "inputs: { dataset: datasets.jft }"), f)
        XCTAssertEqual(loc, at(f, 13, 24))
        XCTAssertEqual(msg, "node 'subset/source=inet/data=1M' draws a subset of dataset 'inet', but its input 'dataset' "
            + "reads dataset 'jft'; write inputs: { dataset: \"datasets.{{ source }}\" }")
    }

    func testTwoFamiliesOfOneDatasetWithTheSameSizeCollide() {
        let f = Fixture()
        let yaml = twoSources.replacingOccurrences(of: "  inet: { dataset: inet, sizes: [1M, 10M], seed: 2 }",
                                                   with: "  inet: { dataset: inet, sizes: [1M, 10M], seed: 2 }\n  jft2: { dataset: jft, sizes: [1M] }")
        let (loc, msg) = expandError(yaml, f)
        XCTAssertEqual(loc, at(f, 13, 40))
        XCTAssertEqual(msg, "axis 'data' of step 'subset' takes the value '1M' of dataset 'jft' twice (from subsets jft and jft2), "
            + "so two nodes would share a name; give the sizes distinct labels or range over one family, e.g. subsets.jft")
    }
}

/// The grid example in docs/spec-format.md ("Grids over several datasets") expands as the
/// document says.
final class DocumentedGridExampleTests: XCTestCase {
    func testTheDocumentedGridExampleExpandsAsDescribed() throws {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/spec-format.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        let section = try XCTUnwrap(text.range(of: "### Grids over several datasets"))
        let open = try XCTUnwrap(text.range(of: "```yaml\n", range: section.upperBound..<text.endIndex))
        let close = try XCTUnwrap(text.range(of: "```\n", range: open.upperBound..<text.endIndex))
        let g = try Expander.expand(try Fixture().load(String(text[open.upperBound..<close.lowerBound])))
        let count = { (step: String) in g.nodes.filter { $0.step == step }.count }
        XCTAssertEqual([count("dataset"), count("subset"), count("pretrain"), count("probe"), count("compare")], [2, 5, 10, 6, 2])
        XCTAssertNotNil(g.index(of: "subset/source=jft/data=100M"))
        XCTAssertNil(g.index(of: "subset/source=inet/data=100M"))
        let probe = g.nodes[try XCTUnwrap(g.index(of: "probe/data=10M/model=r101"))]
        XCTAssertEqual(probe.inputs, [InputEdge(name: "ckpt", node: "pretrain/source=jft/data=10M/model=r101")])
        let compare = g.nodes[try XCTUnwrap(g.index(of: "compare/source=inet"))]
        XCTAssertEqual(compare.inputs, [InputEdge(name: "ckpt", node: "pretrain/source=inet/data=10M/model=r50")])
    }
}
