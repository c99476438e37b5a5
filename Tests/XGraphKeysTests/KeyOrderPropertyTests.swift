import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphGraph
import XGraphKeys

/// A node's key is a function of the node alone: never of which nodes were keyed before it
/// through the same part cache, of the selection a command keys, or of `-j`. Random grids (a
/// replicate `seed` axis on builtin:subset, grids over several datasets whose subsets share size
/// labels, filters, a generating step feeding the subsets) are keyed in random orders and
/// random selections through one cache, and every key must equal the node keyed alone, with no
/// cache at all.
final class KeyOrderPropertyTests: XCTestCase {
    func testKeysDoNotDependOnTheOrderOrSelectionOfKeying() throws {
        var rng = SplitMix64(seed: 20_261_207)
        for trial in 0..<40 {
            let fixture = Fixture()
            let text = Self.randomStudy(&rng)
            let graph = try Expander.expand(try fixture.load(text))
            let nodes = graph.nodes.filter { if case .source = $0.kind { return false } else { return true } }
            XCTAssertFalse(nodes.isEmpty, "trial \(trial):\n\(text)")
            var alone: [String: Digest] = [:]
            for node in nodes { alone[node.id] = try Self.key(node, cache: nil) }
            for round in 0..<3 {
                let cache = KeyPartCache()
                // A random selection first (as `plan 'subset/*'` keys only some nodes), then
                // everything, in a shuffled order.
                var order = nodes.shuffled(using: &rng)
                let selected = Int(rng.next() % UInt64(order.count + 1))
                order = Array(order.prefix(selected)) + order.shuffled(using: &rng)
                for node in order {
                    let key = try Self.key(node, cache: cache)
                    XCTAssertEqual(key, alone[node.id], "trial \(trial) round \(round): \(node.id)\n\(text)")
                }
            }
        }
    }

    /// The replicate seed of a builtin:subset node is in its key: nodes of two seeds never share
    /// a key, whichever was keyed first.
    func testReplicateSubsetsOfAGeneratedDatasetKeyTheirOwnSeed() throws {
        let fixture = Fixture()
        let graph = try Expander.expand(try fixture.load("""
            subsets:
              raw: { dataset: generate, items: 1000, sizes: [100, 200], nested: true, seed: 0 }
            steps:
              generate:
                command: seq 1000 > {{ out }}/data.txt
              subset:
                run: builtin:subset
                foreach: { data: subsets.raw, seed: [0, 1, 2] }
                inputs: { dataset: generate }
            """))
        let subsets = graph.nodes.filter { $0.step == "subset" }
        XCTAssertEqual(subsets.count, 6)
        for order in [subsets, subsets.reversed()] {
            let cache = KeyPartCache()
            var keys: [String: Digest] = [:]
            for node in order { keys[node.id] = try Self.key(node, cache: cache) }
            XCTAssertEqual(Set(keys.values).count, 6, "every (size, seed) draws its own subset")
            for node in subsets { XCTAssertEqual(keys[node.id], try Self.key(node, cache: nil), node.id) }
        }
    }

    /// Stand-in digests, as ExperimentKeyTests uses: the code path as written, the upstream
    /// node's name.
    static func key(_ node: Node, cache: KeyPartCache?) throws -> Digest {
        let code = Dictionary(zip(node.code, node.codeNames.map { Digest.of($0) }), uniquingKeysWith: { a, _ in a })
        let inputs = Dictionary(node.inputs.map { ($0.name, Digest.of($0.node)) }, uniquingKeysWith: { a, _ in a })
        return try NodeKeyer.key(for: node, codeDigests: code, inputDigests: inputs, builtinVersion: 1, cache: cache).key
    }

    /// An experiment file with 1–2 datasets whose subsets share size labels, an optional
    /// generating step, builtin:subset with an optional replicate seed axis, a training step over
    /// capacities with an optional filter, and an eval step.
    static func randomStudy(_ rng: inout SplitMix64) -> String {
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        let twoSources = rng.next() % 2 == 0
        var generated = rng.next() % 2 == 0
        let seeds = pick([[Int](), [0, 1], [0, 1, 2], [3, 1]])
        let sizes = pick([["100", "200"], ["100", "200", "400"], ["50", "400"]])
        let capacities = pick([["s", "m"], ["s", "m", "l"]])
        // Subsets of a generated data set form one family; grids over datasets are declared.
        if twoSources { generated = false }
        let names = twoSources ? ["a", "b"] : ["a"]
        var text = "datasets:\n"
        for n in names { text += "  \(n): { path: \(n).txt, items: 1000 }\n" }
        text += "subsets:\n"
        for n in names {
            // A generated study draws its (one family of) subsets from the generating step.
            let from = generated && !twoSources ? "generate, items: 1000" : n
            text += "  \(n): { dataset: \(from), sizes: [\(sizes.joined(separator: ", "))], nested: \(pick(["true", "false"])), seed: \(pick([0, 7])) }\n"
        }
        text += "models:\n  m:\n    capacities:\n"
        for (i, c) in capacities.enumerated() { text += "      \(c): { width: \(4 << i), lr: \(pick(["0.1", "0.01"])) }\n" }
        let dataAxes = twoSources ? "source: datasets, data: source.subsets" : "data: subsets.a"
        let seedAxis = seeds.isEmpty ? "" : ", seed: [\(seeds.map(String.init).joined(separator: ", "))]"
        text += "steps:\n"
        if generated {
            text += "  generate:\n    command: seq 1000 > {{ out }}/data.txt\n"
        }
        let dataset = generated ? "generate" : (twoSources ? "\"datasets.{{ source }}\"" : "datasets.a")
        text += "  subset:\n    run: builtin:subset\n    foreach: { \(dataAxes)\(seedAxis) }\n    inputs: { dataset: \(dataset) }\n"
        text += "  train:\n    foreach: { \(dataAxes)\(seedAxis), model: models.m }\n    inputs: { subset: subset }\n"
        text += "    params: { epochs: \(pick([1, 2])) }\n"
        // One filter on both steps: an eval node whose training node was filtered out is an error.
        let exclude = rng.next() % 2 == 0 ? "    exclude: [{ data: \(sizes[0]), model: \(capacities[0]) }]\n" : ""
        text += exclude
        text += "    command: echo {{ model.width }} {{ params.epochs }} > {{ out }}/w.txt\n"
        text += "  eval:\n    foreach: { \(dataAxes)\(seedAxis), model: models.m }\n    inputs: { model: train }\n"
        text += exclude
        text += "    command: cat {{ inputs.model }}/w.txt > {{ out }}/metrics.json\n"
        return text
    }
}
