import Foundation
import XCTest
import XGraphCore
import XGraphTrainer

final class BuiltinTests: XCTestCase {
    private var dataset = ""
    private var logLines: [String] = []

    override func setUpWithError() throws {
        dataset = try Fixtures.syntheticFashion(train: 600, test: 400)
    }

    private func run(_ name: String, params: JSONValue, inputs: [String: String]) throws -> String {
        let out = try Fixtures.temporaryDirectory(name)
        try Builtins.run(name, context: BuiltinContext(params: params, inputs: inputs, outputDirectory: out)) { logLines.append($0) }
        return out
    }

    private func subset(size: Int, noise: Double = 0) throws -> String {
        try run("subset", params: .object(["data": .object([
            "kind": .string("subset"), "name": .string("s"), "size": .int(size), "seed": .int(0),
            "nested": .bool(true), "label_noise": .double(noise),
        ])]), inputs: ["dataset": dataset])
    }

    private let small: JSONValue = .object(["kind": .string("capacity"), "name": .string("small"),
                                            "model": .string("mlp"), "width": .int(32), "depth": .int(1)])

    private func pretrain(_ subsetDir: String) throws -> String {
        try run("pretrain", params: .object(["model": small, "epochs": .int(2), "min_steps": .int(0), "batch_size": .int(32)]),
                inputs: ["subset": subsetDir, "dataset": dataset])
    }

    func testSubsetWritesIndicesNoisyLabelsAndTheRealisedRate() throws {
        let out = try subset(size: 500, noise: 0.3)
        let text = try String(contentsOfFile: "\(out)/indices.txt", encoding: .utf8)
        let fromText = text.split(separator: "\n").map { UInt64($0)! }
        XCTAssertEqual(try NumpyArray.read(path: "\(out)/indices.npy"), fromText)
        XCTAssertEqual(fromText.count, 500)
        XCTAssertEqual(try NumpyArray.read(path: "\(out)/labels.npy").count, 500)
        let info = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: "\(out)/subset.json")))
        XCTAssertEqual(info["items"], .int(600))
        XCTAssertEqual(info["nested"], .bool(true))
        let realised = try XCTUnwrap(Fixtures.metrics(out)["label_noise"]?.doubleValue)
        XCTAssertEqual(realised, 0.3, accuracy: 0.07)

        let smaller = try subset(size: 100, noise: 0.3)
        XCTAssertTrue(Set(try NumpyArray.read(path: "\(smaller)/indices.npy")).isSubset(of: Set(fromText)))
    }

    func testSubsetOfAnUnlabelledFolderNeedsItemsAndWritesOnlyIndices() throws {
        let folder = try Fixtures.temporaryDirectory("plain")
        let params: JSONValue = .object(["data": .object(["kind": .string("subset"), "size": .int(3), "items": .int(10)])])
        let out = try run("subset", params: params, inputs: ["dataset": folder])
        XCTAssertEqual(try NumpyArray.read(path: "\(out)/indices.npy").count, 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(out)/labels.npy"))
        XCTAssertThrowsError(try run("subset", params: .object(["size": .int(3)]), inputs: ["dataset": folder])) { error in
            XCTAssertTrue("\(error)".contains("`items` is required"), "\(error)")
        }
    }

    func testARerunWithTheSameInputsWritesByteIdenticalOutputs() throws {
        // What early cutoff needs from a step: no timing or other run-to-run noise in its files.
        let data = try subset(size: 300)
        let a = try pretrain(data), b = try pretrain(data)
        for name in ["metrics.json", "model.safetensors"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(a)/\(name)")),
                           try Data(contentsOf: URL(fileURLWithPath: "\(b)/\(name)")), name)
        }
        let metrics = try Fixtures.metrics(a)
        for timing in ["examples_per_second", "gflops", "train_seconds"] { XCTAssertNil(metrics[timing], timing) }
    }

    func testPretrainThenEvalAndFrozenTransferKeepsTheBackbone() throws {
        let pre = try pretrain(try subset(size: 500))
        let pretrained = try Checkpoint.read(path: "\(pre)/model.safetensors")
        XCTAssertEqual(pretrained.model.dense.width, 32)
        let metrics = try Fixtures.metrics(pre)
        XCTAssertEqual(metrics["steps"], .int(2 * 16))
        XCTAssertGreaterThan(try XCTUnwrap(metrics["test_accuracy"]?.doubleValue), 0.8)
        XCTAssertNotNil(metrics["loss_curve"]?["2"]?.doubleValue)
        XCTAssertTrue(logLines.contains { $0.contains("examples/s") && $0.contains("GFLOP/s") }, "speed goes to the log")

        let eval = try run("eval", params: .object([:]), inputs: ["checkpoint": pre, "dataset": dataset])
        XCTAssertEqual(try Fixtures.metrics(eval)["accuracy"], metrics["test_accuracy"])

        let task: JSONValue = .object(["kind": .string("task"), "name": .string("coarse"), "labels": .string("coarse")])
        let frozen = try run("transfer", params: .object(["task": task, "mode": .string("frozen"), "epochs": .int(30)]),
                             inputs: ["checkpoint": pre, "dataset": dataset])
        let transferred = try Checkpoint.read(path: "\(frozen)/model.safetensors")
        XCTAssertEqual(transferred.labels, .coarse)
        XCTAssertEqual(transferred.model.classes, 4)
        XCTAssertEqual(transferred.model.dense.layers[0], pretrained.model.dense.layers[0], "frozen backbone unchanged")
        XCTAssertGreaterThan(try XCTUnwrap(Fixtures.metrics(frozen)["accuracy"]?.doubleValue), 0.8)

        let tuned = try run("transfer", params: .object(["task": task, "mode": .string("finetune"), "epochs": .int(1)]),
                            inputs: ["checkpoint": pre, "dataset": dataset])
        XCTAssertNotEqual(try Checkpoint.read(path: "\(tuned)/model.safetensors").model.dense.layers[0], pretrained.model.dense.layers[0])
    }

    func testPretrainIsDeterministic() throws {
        let s = try subset(size: 300)
        let a = try Data(contentsOf: URL(fileURLWithPath: "\(try pretrain(s))/model.safetensors"))
        let b = try Data(contentsOf: URL(fileURLWithPath: "\(try pretrain(s))/model.safetensors"))
        XCTAssertEqual(a, b)
    }

    func testBadParametersNameTheParameterAndTheValidValues() throws {
        let pre = try pretrain(try subset(size: 100))
        XCTAssertThrowsError(try run("transfer", params: .object(["mode": .string("thaw")]), inputs: ["checkpoint": pre, "dataset": dataset])) { error in
            XCTAssertEqual("\(error)", "error: builtin:transfer: parameter `mode` must be one of frozen, finetune, kshot, scratch, got \"thaw\"")
        }
        XCTAssertThrowsError(try run("transfer", params: .object([:]), inputs: ["checkpoint": pre, "dataset": dataset])) { error in
            XCTAssertTrue("\(error)".contains("`mode` is required: one of frozen, finetune"), "\(error)")
        }
        XCTAssertThrowsError(try run("pretrain", params: .object([:]), inputs: ["dataset": dataset])) { error in
            XCTAssertTrue("\(error)".contains("needs an input named `subset`"), "\(error)")
        }
        XCTAssertThrowsError(try run("eval", params: .object(["split": .string("val")]), inputs: ["checkpoint": pre, "dataset": dataset])) { error in
            XCTAssertTrue("\(error)".contains("`split` must be one of train, test"), "\(error)")
        }
        XCTAssertThrowsError(try run("pretrain", params: .object(["model": .object(["kind": .string("capacity"), "model": .string("r50")])]),
                                     inputs: ["subset": pre, "dataset": dataset])) { error in
            XCTAssertTrue("\(error)".contains("`model` must be `mlp`"), "\(error)")
        }
        XCTAssertThrowsError(try run("train", params: .null, inputs: [:])) { error in
            XCTAssertTrue("\(error)".contains("subset, pretrain, transfer, eval"), "\(error)")
        }
    }

    func testACNNPretrainsEvaluatesAndTransfers() throws {
        let cnn: JSONValue = .object(["kind": .string("capacity"), "name": .string("cnn"), "model": .string("cnn"),
                                      "channels": .array([.int(4), .int(8)]), "hidden": .int(16)])
        let pre = try run("pretrain", params: .object(["model": cnn, "epochs": .int(3), "min_steps": .int(0), "batch_size": .int(32)]),
                          inputs: ["subset": try subset(size: 500), "dataset": dataset])
        let pretrained = try Checkpoint.read(path: "\(pre)/model.safetensors")
        XCTAssertEqual(pretrained.model.convs.map(\.outputs), [4, 8])
        XCTAssertEqual(pretrained.model.featureSize, 16)
        XCTAssertTrue(logLines.contains { $0.contains("CNN 1×28×28 → conv 4 → conv 8 → dense 16 → 10") }, "\(logLines)")
        let metrics = try Fixtures.metrics(pre)
        XCTAssertEqual(metrics["parameters"], .int(pretrained.model.parameterCount))
        XCTAssertGreaterThan(try XCTUnwrap(metrics["test_accuracy"]?.doubleValue), 0.8)
        let eval = try run("eval", params: .object([:]), inputs: ["checkpoint": pre, "dataset": dataset])
        XCTAssertEqual(try Fixtures.metrics(eval)["accuracy"], metrics["test_accuracy"])

        let frozen = try run("transfer", params: .object(["mode": .string("frozen"), "labels": .string("coarse")]),
                             inputs: ["checkpoint": pre, "dataset": dataset])
        let transferred = try Checkpoint.read(path: "\(frozen)/model.safetensors").model
        XCTAssertEqual(transferred.convs, pretrained.model.convs, "frozen backbone unchanged")
        XCTAssertEqual(transferred.classes, 4)
    }

    func testBadCNNCapacitiesNameTheParameter() throws {
        let data = try subset(size: 50)
        func failure(_ capacity: [String: JSONValue]) -> String {
            var axis = capacity
            axis["kind"] = .string("capacity")
            do {
                _ = try run("pretrain", params: .object(["model": .object(axis)]), inputs: ["subset": data, "dataset": dataset])
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(failure(["model": .string("cnn")]).contains("parameter `channels` is required for `model: cnn`"))
        XCTAssertTrue(failure(["model": .string("cnn"), "channels": .array([.int(8), .int(0)])])
            .contains("parameter `channels` must be a list of 1 to 3 channel counts"))
        XCTAssertTrue(failure(["model": .string("cnn"), "channels": .array([.int(1), .int(1), .int(1), .int(1)])]).contains("`channels`"))
        XCTAssertTrue(failure(["model": .string("cnn"), "channels": .int(4), "hidden": .string("wide")]).contains("parameter `hidden` must be"))
        XCTAssertTrue(failure(["model": .string("vit")]).contains("`model` must be `mlp` or `cnn`"))
    }

    func testUnusedTopLevelParametersAreReported() throws {
        _ = try run("subset", params: .object(["size": .int(10), "learning_rate": .double(0.1)]), inputs: ["dataset": dataset])
        XCTAssertTrue(logLines.contains("note: builtin:subset does not use parameter `learning_rate`"), "\(logLines)")
    }
}
