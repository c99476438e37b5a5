import Foundation
import XCTest

/// experiments/pytorch-fashion.yaml, the worked example of docs/pytorch.md, run through the
/// binary with a real PyTorch: its scripts write checkpoints the built-in format describes, load
/// builtin:pretrain's checkpoints, are cached like any step, and resume from XGRAPH_RESUME.
///
/// It needs torch and safetensors, which CI does not install: without them it skips, saying
/// how to get them (`make example-pytorch` makes .venv-pytorch at the repository root).
final class PyTorchExampleTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The folder of a python that imports torch and safetensors as the harness's user, if any.
    func torchPython(_ h: CLIHarness) throws -> String {
        let venv = PyTorchExampleTests.repo.appendingPathComponent(".venv-pytorch/bin").path
        for python in [venv + "/python", "/usr/bin/python3"] where FileManager.default.isExecutableFile(atPath: python) {
            let r = try h.run(executable: python, ["-c", "import torch, safetensors, numpy"])
            if r.status == 0 { return (python as NSString).deletingLastPathComponent }
        }
        throw XCTSkip("no python that imports torch, safetensors and numpy (tried \(venv)/python and /usr/bin/python3"
                      + (h.user == nil ? "" : ", as user nobody") + "); run `make example-pytorch` to create .venv-pytorch")
    }

    func project() throws -> (CLIHarness, [String: String]) {
        let h = try CLIHarness()
        let bin = try torchPython(h)
        let experiments = PyTorchExampleTests.repo.appendingPathComponent("experiments")
        for file in ["pytorch-fashion.yaml", "pytorch/common.py", "pytorch/pretrain.py", "pytorch/probe.py", "pytorch/split.py"] {
            try h.write(file, try String(contentsOf: experiments.appendingPathComponent(file), encoding: .utf8))
        }
        let path = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return (h, ["PATH": path])
    }

    /// The output folder recorded for `node` in `store`: nodes.log gives its key, keys.log
    /// ("<key> <output> ...") its output.
    func artifact(_ h: CLIHarness, store: String, node: String) throws -> URL {
        let root = h.dir.appendingPathComponent(store)
        let nodes = try String(contentsOf: root.appendingPathComponent("nodes.log"), encoding: .utf8)
        let key = try XCTUnwrap(nodes.split(separator: "\n").last { $0.hasSuffix(" " + node) }?.split(separator: " ").first)
        let keys = try String(contentsOf: root.appendingPathComponent("keys.log"), encoding: .utf8)
        let output = try XCTUnwrap(keys.split(separator: "\n").last { $0.hasPrefix(key + " ") }?.split(separator: " ").dropFirst().first)
        return root.appendingPathComponent("artifacts/\(output)")
    }

    /// The `__metadata__` and tensor shapes of a safetensors file.
    func safetensorsHeader(_ url: URL) throws -> [String: Any] {
        let data = try Data(contentsOf: url)
        guard data.count > 8 else { XCTFail("\(url.path): \(data.count) bytes, too short for safetensors"); return [:] }
        let n = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let header = data.dropFirst(8).prefix(Int(clamping: n))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: header) as? [String: Any])
    }

    func metrics(_ folder: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metrics.json"))) as? [String: Any])
    }

    func testTheExampleBuildsCachesAndLoadsBuiltinCheckpoints() throws {
        let (h, env) = try project()
        let first = try h.run(["build", "pytorch-fashion.yaml", "-j", "2"], env: env)
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertTrue(first.out.contains("built 27, cached 1 of 28 nodes"), first.out)

        let pretrained = try artifact(h, store: "cache", node: "pretrain/data=2k/model=wide")
        let m = try metrics(pretrained)
        let accuracy = try XCTUnwrap(m["test_accuracy"] as? Double)
        XCTAssertGreaterThan(accuracy, 0.5, "six classes, 2,000 images and 3 epochs: \(m)")
        XCTAssertEqual(m["train_examples"] as? Int, 2000)
        let header = try safetensorsHeader(pretrained.appendingPathComponent("model.safetensors"))
        XCTAssertEqual((header["__metadata__"] as? [String: String])?["format"], "xgraph-mlp")
        XCTAssertEqual((header["layers.0.weight"] as? [String: Any])?["shape"] as? [Int], [128, 784])
        XCTAssertEqual((header["layers.2.weight"] as? [String: Any])?["shape"] as? [Int], [6, 128], "a head of the six upstream classes")

        // The probe loaded builtin:pretrain's checkpoint: its log names the backbone it read.
        let probe = try metrics(try artifact(h, store: "cache", node: "probe/data=1k/model=narrow/task=tops"))
        XCTAssertGreaterThan(try XCTUnwrap(probe["accuracy"] as? Double), 0.4, "four tops, chance 0.25: \(probe)")
        // The 4,000 test images of the four tops, split in two halves that never share an image.
        XCTAssertEqual((probe["eval_examples"] as? Int ?? 0) + (probe["train_examples"] as? Int ?? 0), 4000, "\(probe)")
        let probeLog = try h.run(["logs", "probe/data=1k/model=narrow/task=tops"])
        XCTAssertTrue(probeLog.out.contains("probe on 32x1 backbone"), probeLog.all)

        let second = try h.run(["build", "pytorch-fashion.yaml"], env: env)
        XCTAssertEqual(second.status, 0, second.all)
        XCTAssertTrue(second.out.contains("nothing to do: all 28 nodes up to date"), second.out)

        // A code: file edited re-runs exactly the steps that list it.
        try h.write("pytorch/probe.py", try h.read("pytorch/probe.py") + "# edited\n")
        let plan = try h.run(["plan", "pytorch-fashion.yaml"], env: env)
        XCTAssertTrue(plan.out.contains("6 will run"), plan.out)
        XCTAssertTrue(plan.out.contains("code pytorch/probe.py changed"), plan.out)
    }

    /// A run stopped after its first epoch (FASHION_STOP_AFTER_EPOCH stands in for a preemption)
    /// leaves its state in XGRAPH_RESUME; the next build continues from it and records the same
    /// bytes as a run that never stopped.
    func testAStoppedRunResumesToTheSameResult() throws {
        let (h, env) = try project()
        let node = "pretrain/data=500/model=narrow"
        let straight = try h.run(["build", "pytorch-fashion.yaml", node, "--store", "straight"], env: env)
        XCTAssertEqual(straight.status, 0, straight.all)

        var stopping = env
        stopping["FASHION_STOP_AFTER_EPOCH"] = "1"
        let stopped = try h.run(["build", "pytorch-fashion.yaml", node, "--store", "resumed"], env: stopping)
        XCTAssertNotEqual(stopped.status, 0, stopped.all)
        let resumeRoot = h.dir.appendingPathComponent("resumed/resume")
        let scratch = try FileManager.default.contentsOfDirectory(atPath: resumeRoot.path).filter { !$0.hasSuffix(".node") }
        XCTAssertEqual(scratch.count, 1, "one resume folder: \(scratch)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: resumeRoot.appendingPathComponent("\(scratch[0])/state.pt").path))

        let resumed = try h.run(["build", "pytorch-fashion.yaml", node, "--store", "resumed"], env: env)
        XCTAssertEqual(resumed.status, 0, resumed.all)
        let log = try h.run(["logs", node, "--store", "resumed"])
        XCTAssertTrue(log.out.contains("resuming after epoch 1"), log.all)
        XCTAssertFalse(log.out.contains("epoch 1/3"), "the first epoch is not trained again: \(log.all)")

        let a = try artifact(h, store: "straight", node: node), b = try artifact(h, store: "resumed", node: node)
        XCTAssertEqual(a.lastPathComponent, b.lastPathComponent, "the same output digest")
        for file in ["metrics.json", "model.safetensors"] {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(file)), try Data(contentsOf: b.appendingPathComponent(file)), file)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: resumeRoot.appendingPathComponent(scratch[0]).path),
                       "the resume folder goes once the node is recorded")
    }
}
