import Foundation
import XCTest
import XGraphCore
import XGraphGraph
import XGraphKeys
import XGraphSpec

/// The keys of the shipped experiments' nodes, pinned: a change to expansion (axis sources,
/// input matching, node params) that altered any of them would silently rebuild every study
/// already in a store. Pinned on the code before multi-dataset grids were added.
///
/// Code and input digests are stand-ins (the digest of the code path as written, of the
/// upstream node's name), so the keys depend on expansion alone, not on the files on this
/// machine, and a node wired to another upstream node changes its key.
final class ExperimentKeyTests: XCTestCase {
    static let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("experiments").path

    /// Every non-dataset node of the file as `name key` lines, in graph order. Keyed twice, with
    /// the per-graph part cache builds use and without: they must agree.
    func keys(_ file: String) throws -> [String] {
        let graph = try Expander.expand(try SpecLoader.load(path: ExperimentKeyTests.experiments + "/" + file))
        let cache = KeyPartCache()
        return try graph.nodes.compactMap { node in
            if case .source = node.kind { return nil }
            let code = Dictionary(zip(node.code, node.codeNames.map { Digest.of($0) }), uniquingKeysWith: { a, _ in a })
            let inputs = Dictionary(node.inputs.map { ($0.name, Digest.of($0.node)) }, uniquingKeysWith: { a, _ in a })
            let key = try NodeKeyer.key(for: node, codeDigests: code, inputDigests: inputs, builtinVersion: 1)
            let cached = try NodeKeyer.key(for: node, codeDigests: code, inputDigests: inputs, builtinVersion: 1, cache: cache)
            XCTAssertEqual(key.key, cached.key, "\(file): \(node.id) keyed through the part cache")
            return "\(node.id) \(key.key.hex)"
        }
    }

    func check(_ file: String, count: Int, all: String, samples: [String: String]) throws {
        let lines = try keys(file)
        XCTAssertEqual(lines.count, count, file)
        XCTAssertEqual(Digest.of(lines.joined(separator: "\n")).hex, all, "\(file):\n" + lines.joined(separator: "\n"))
        for (id, hex) in samples {
            XCTAssertTrue(lines.contains("\(id) \(hex)"), "\(file): \(id) is not \(hex)")
        }
    }

    func testQuickstartKeysAreUnchanged() throws {
        try check("quickstart.yaml", count: 4 + 12 + 12,
                  all: "66fbe5467b577d00bbf873e38f120f645e728d73ebbd9fd39703f978e3951e16", samples: [
            "subset/data=200": "8db30bbac7d489544642df2df934e866b5ed28c232c9578f85a0d183aa557b66",
            "fit/data=500/model=b4": "6cba84a5a53e9ebf725f46a5313d21ff387fb32080c400635552058741066c4d",
            "eval/data=200/model=b4": "3e2bac5c8996a120afdb378a406d8f05e2517eef98e7e592929111c6f25b9c83",
        ])
    }

    func testFashionMLPKeysAreUnchanged() throws {
        try check("fashion-mlp.yaml", count: 5 + 15 + 60,
                  all: "eb9d464c15b597cfd72e36c4155fca3c4c56a24740236d1eef402deb25c2c6ae", samples: [
            "subset/data=1k": "702e116a267c5a9fd6972ba3fa4014f9701f7fc6cd8247e9ab4f2ad251ad3a7c",
            "pretrain/data=3k/model=medium": "b09ffce84ea80f16114eee70c2ff47ab255ef2772adb5ce786dcffda9c1beba8",
            "transfer/data=10k/model=large/task=coarse/mode=frozen":
                "c93d2b398dfbd48cf3881d3d8a9c4a1691ce1e3c4e20be4a16f0d4f541a37103",
        ])
    }

    /// Two datasets' subsets share the size labels: the part cache, keyed by label, gave the
    /// second dataset's nodes the first one's subset params.
    func testTwoSourcesKeysDifferPerDatasetAndAgreeWithAndWithoutTheCache() throws {
        let lines = try keys("two-sources.yaml")
        XCTAssertEqual(lines.count, 2 * 3 + 2 * 2 * 3 * 2)
        let key = { (id: String) in lines.first { $0.hasPrefix(id + " ") } }
        XCTAssertNotNil(key("fit/source=uniform/data=200/model=b16"))
        XCTAssertNotEqual(key("fit/source=uniform/data=200/model=b16")?.split(separator: " ").last,
                          key("fit/source=samples/data=200/model=b16")?.split(separator: " ").last)
    }
}
