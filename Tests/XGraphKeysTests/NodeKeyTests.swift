import XCTest
import XGraphCore
import XGraphGraph
import XGraphKeys

final class NodeKeyTests: XCTestCase {
    let upstream = Digest.of("upstream output")

    func node(params: [String: JSONValue] = ["lr": .double(0.1)], command: String = "train {{inputs.data}} {{out}}",
              resources: Resources = Resources(), gpusInKey: Bool = false, env: [String: String] = [:],
              kind: NodeKind = .shell) -> Node {
        Node(id: "train/data=1k", step: "train", axes: [AxisValue(axis: "data", value: "1k")], kind: kind,
             params: .object(params), command: command, inputs: [InputEdge(name: "data", node: "subset/data=1k")],
             outputs: ["model.pt"], code: ["/p/train.py"], codeNames: ["train.py"], env: env, resources: resources,
             gpusInKey: gpusInKey, retries: 0, resume: false, estimateSeconds: nil, mutex: [], workdir: "/p",
             location: SourceLocation(file: "x.yaml", line: 1, column: 1))
    }

    func key(_ n: Node, code: Digest = Digest.of("code"), input: Digest? = nil, builtin: Int = 1) throws -> NodeKey {
        try NodeKeyer.key(for: n, codeDigests: ["/p/train.py": code], inputDigests: ["data": input ?? upstream],
                          builtinVersion: builtin)
    }

    /// A golden key: if this fails, the key encoding changed. Bump KeyVersion.current, note it in
    /// its history and in docs/cache-keys.md, then update this value.
    func testTheKeyEncodingIsPinned() throws {
        XCTAssertEqual(KeyVersion.current, 2)
        XCTAssertEqual(try key(node()).key.hex, "977d880831ad74d202ad488806701efd41d97c7522f1ec9858ebfb5b5f5a5855")
    }

    /// Part names were once written raw (before a NUL), so a param named
    /// `a NUL <digest of 1> LF param:b` wrote the same bytes as the two params a=1, b=2.
    func testParamMapsWhoseRawNamesSpellTheSameBytesGetDifferentKeys() throws {
        let one = JSONValue.int(1).canonical
        let forged = "a\u{0}\(Digest.of(one).hex)\nparam:b"
        let two = try key(node(params: ["a": .int(1), "b": .int(2)]))
        let collided = try key(node(params: [forged: .int(2)]))
        XCTAssertNotEqual(two.key, collided.key)
    }

    func testResourcesAndWhereThingsRunAreNotInTheKey() throws {
        let a = try key(node())
        let b = try key(node(resources: Resources(gpus: 8, cpus: 32, memMB: 1 << 20, timeSeconds: 3600)))
        XCTAssertEqual(a.key, b.key)
    }

    func testGPUCountIsInTheKeyOnlyWhenTheStepSaysItChangesResults() throws {
        let one = try key(node(resources: Resources(gpus: 1), gpusInKey: true))
        let two = try key(node(resources: Resources(gpus: 2), gpusInKey: true))
        XCTAssertNotEqual(one.key, two.key)
        XCTAssertTrue(two.parts.contains { $0.name == "gpus" && $0.value == "2" })
    }

    func testEachDeterminingInputChangesTheKey() throws {
        let base = try key(node()).key
        XCTAssertNotEqual(base, try key(node(params: ["lr": .double(0.05)])).key)
        XCTAssertNotEqual(base, try key(node(command: "train2 {{inputs.data}} {{out}}")).key)
        XCTAssertNotEqual(base, try key(node(), code: Digest.of("edited")).key)
        XCTAssertNotEqual(base, try key(node(), input: Digest.of("other bytes")).key)
        XCTAssertNotEqual(base, try key(node(env: ["SEED": "1"])).key)
        XCTAssertNotEqual(try key(node(kind: .builtin("pretrain")), builtin: 1).key,
                          try key(node(kind: .builtin("pretrain")), builtin: 2).key)
    }

    func testTheKeyHashesInputOutputDigestsNotUpstreamKeys() throws {
        let k = try key(node())
        let part = try XCTUnwrap(k.parts.first { $0.name == "input:data" })
        XCTAssertEqual(part.digest, upstream)
    }

    func testParamOrderDoesNotMatter() throws {
        let a = try key(node(params: ["lr": .double(0.1), "epochs": .int(3)]))
        let b = try key(node(params: ["epochs": .int(3), "lr": .double(0.1)]))
        XCTAssertEqual(a.key, b.key)
    }

    func testDiffSaysWhichParamChangedWithValues() throws {
        let old = try key(node(params: ["lr": .double(0.1), "data": .object(["seed": .int(0), "size": .int(1000)])]))
        let new = try key(node(params: ["lr": .double(0.05), "data": .object(["seed": .int(1), "size": .int(1000)])]),
                          code: Digest.of("edited"))
        let text = KeyDiff.changes(from: old.parts, to: new.parts).map(\.description)
        XCTAssertEqual(text, ["param data.seed changed 0→1", "param lr changed 0.1→0.05", "code train.py changed"])
    }

    func testDatasetsHaveFingerprintsNotKeys() {
        var n = node()
        n.kind = .source(path: "/d", fingerprint: .stat)
        XCTAssertThrowsError(try key(n))
    }
}
