import XCTest
import XGraphCore
import XGraphGraph
import XGraphKeys

/// A node's container image enters its key as one part, `container`, and only for nodes that
/// have one: every key without a container is the key it was before containers existed.
final class ContainerKeyTests: XCTestCase {
    let location = SourceLocation(file: "x.yaml", line: 3, column: 5)

    func node(_ container: ContainerSpec?) -> Node {
        Node(id: "train/data=1k", step: "train", axes: [AxisValue(axis: "data", value: "1k")], kind: .shell,
             params: .object(["lr": .double(0.1)]), command: "train {{inputs.data}} {{out}}",
             inputs: [InputEdge(name: "data", node: "subset/data=1k")],
             outputs: ["model.pt"], code: ["/p/train.py"], codeNames: ["train.py"], env: [:], resources: Resources(),
             gpusInKey: false, retries: 0, resume: false, estimateSeconds: nil, mutex: [], workdir: "/p",
             location: location, container: container)
    }

    func key(_ n: Node, sif: Digest? = nil) throws -> NodeKey {
        var code = ["/p/train.py": Digest.of("code")]
        if let sif { code["/p/env.sif"] = sif }
        return try NodeKeyer.key(for: n, codeDigests: code, inputDigests: ["data": Digest.of("upstream output")], builtinVersion: 1)
    }

    func spec(_ image: ContainerImage, runtime: ContainerRuntime = .podman, options: [String] = []) -> ContainerSpec {
        ContainerSpec(image: image, runtime: runtime, options: options, written: "w", location: location)
    }

    static let idA = "sha256:" + String(repeating: "a", count: 64)
    static let idB = "sha256:" + String(repeating: "b", count: 64)

    func testANodeWithoutAContainerKeepsItsPinnedKey() throws {
        // NodeKeyTests.testTheKeyEncodingIsPinned pins the same node.
        XCTAssertEqual(try key(node(nil)).key.hex, "977d880831ad74d202ad488806701efd41d97c7522f1ec9858ebfb5b5f5a5855")
        XCTAssertFalse(try key(node(nil)).parts.contains { $0.name == "container" })
    }

    /// A golden key: the `container` part's name, place and value are part of every such key.
    func testTheContainerPartIsPinned() throws {
        let k = try key(node(spec(.imageID(Self.idA))))
        XCTAssertEqual(k.parts.first { $0.name == "container" }?.value, "image-id " + Self.idA)
        XCTAssertEqual(k.key.hex, "934b107bb10bc44ab45897e57b341c8d366bf161ee6da69e502fb5c008d6f6d2")
    }

    func testAnotherImageDigestGivesAnotherKey() throws {
        XCTAssertNotEqual(try key(node(spec(.imageID(Self.idA)))).key, try key(node(spec(.imageID(Self.idB)))).key)
        let reg = { (d: String) in ContainerImage.registry(reference: "nvcr.io/nvidia/pytorch@" + d, digest: d) }
        XCTAssertNotEqual(try key(node(spec(reg(Self.idA)))).key, try key(node(spec(reg(Self.idB)))).key)
        let sif = spec(.sif(path: "/p/env.sif"), runtime: .apptainer)
        XCTAssertNotEqual(try key(node(sif), sif: Digest.of("one")).key, try key(node(sif), sif: Digest.of("two")).key)
    }

    func testTheRuntimeTheOptionsAndTheRegistryNameAreNotInTheKey() throws {
        let d = Self.idA
        let a = try key(node(spec(.registry(reference: "a.io/x@" + d, digest: d), runtime: .podman)))
        let b = try key(node(spec(.registry(reference: "mirror.b.io/x@" + d, digest: d), runtime: .docker, options: ["--network=none"])))
        XCTAssertEqual(a.key, b.key)
    }

    func testASifWithoutItsDigestIsAnErrorNotAKey() throws {
        XCTAssertThrowsError(try key(node(spec(.sif(path: "/p/env.sif"), runtime: .apptainer))))
    }

    func testPlanNamesTheContainerChangeWithItsValues() throws {
        let changes = KeyDiff.changes(from: try key(node(spec(.imageID(Self.idA)))).parts,
                                      to: try key(node(spec(.imageID(Self.idB)))).parts)
        XCTAssertEqual(changes.map(\.part), ["container"])
        XCTAssertTrue(changes[0].description.hasPrefix("container changed image-id sha256:aaa"), changes[0].description)
    }
}
