import Foundation
import XCTest
import XGraphCore
import XGraphTrainer

/// The transfer protocols: linear probe, head-first fine-tuning, k-shot episodes, baselines.
final class TransferProtocolTests: XCTestCase {
    private var dataset = ""
    private var logLines: [String] = []

    override func setUpWithError() throws {
        dataset = try Fixtures.syntheticFashion(train: 600, test: 400)
    }

    private func run(_ name: String, _ params: [String: JSONValue], inputs: [String: String]) throws -> String {
        let out = try Fixtures.temporaryDirectory(name)
        try Builtins.run(name, context: BuiltinContext(params: .object(params), inputs: inputs, outputDirectory: out)) { logLines.append($0) }
        return out
    }

    private let capacity: JSONValue = .object(["kind": .string("capacity"), "width": .int(16), "depth": .int(1)])
    private let heldOut: JSONValue = .object(["kind": .string("task"), "classes": .string("downstream"), "labels": .string("fine")])

    private func pretrained() throws -> String {
        let data = try run("subset", ["data": .object(["kind": .string("subset"), "size": .int(300), "classes": .string("upstream")])],
                           inputs: ["dataset": dataset])
        return try run("pretrain", ["model": capacity, "epochs": .int(2), "min_steps": .int(0)], inputs: ["subset": data, "dataset": dataset])
    }

    func testFineTuningTrainsTheHeadOnFrozenFeaturesFirst() throws {
        let ckpt = try pretrained()
        // With a zero rate in the all-layers phase, fine-tuning is exactly its head phase: the
        // probe's training for head_epochs.
        let tuned = try run("transfer", ["task": heldOut, "mode": .string("finetune"), "head_epochs": .int(3), "lr": .double(0),
                                         "epochs": .int(1)], inputs: ["checkpoint": ckpt, "dataset": dataset])
        let probe = try run("transfer", ["task": heldOut, "mode": .string("frozen"), "epochs": .int(3)],
                            inputs: ["checkpoint": ckpt, "dataset": dataset])
        let a = try Checkpoint.read(path: "\(tuned)/model.safetensors"), b = try Checkpoint.read(path: "\(probe)/model.safetensors")
        XCTAssertEqual(a.model, b.model)
        XCTAssertEqual(a.model.classes, 4)
        // And with a rate, every layer moves away from the pretrained backbone.
        let moved = try run("transfer", ["task": heldOut, "mode": .string("finetune"), "head_epochs": .int(3), "epochs": .int(2)],
                            inputs: ["checkpoint": ckpt, "dataset": dataset])
        let pre = try Checkpoint.read(path: "\(ckpt)/model.safetensors")
        XCTAssertNotEqual(try Checkpoint.read(path: "\(moved)/model.safetensors").model.dense.layers[0], pre.model.dense.layers[0])
        XCTAssertEqual(a.model.dense.layers[0], pre.model.dense.layers[0], "the head phase leaves the backbone alone")
    }

    func testKShotEpisodesHaveKExamplesPerClassAreSeededAndDiffer() throws {
        var rng = SplitMix64(seed: 5)
        let labels = (0..<200).map { _ in Int32(rng.next(below: 4)) }
        let e0 = try XCTUnwrap(FewShot.support(labels: labels, classes: 4, shots: 5, seed: 1, episode: 0))
        XCTAssertEqual(e0.count, 20)
        XCTAssertEqual(Set(e0).count, 20)
        for c in 0..<4 { XCTAssertEqual(e0.filter { labels[$0] == Int32(c) }.count, 5) }
        XCTAssertEqual(e0, FewShot.support(labels: labels, classes: 4, shots: 5, seed: 1, episode: 0))
        XCTAssertNotEqual(e0, FewShot.support(labels: labels, classes: 4, shots: 5, seed: 1, episode: 1))
        XCTAssertNotEqual(e0, FewShot.support(labels: labels, classes: 4, shots: 5, seed: 2, episode: 0))
        XCTAssertNil(FewShot.support(labels: labels, classes: 4, shots: 100, seed: 1, episode: 0))
    }

    func testKShotTransferReportsMeanAndSpreadOverEpisodesOnDisjointQueryImages() throws {
        // The support comes from transfer-train, the query is all of transfer-eval: disjoint rows.
        let split = TransferSplit.rows(testCount: 400)
        XCTAssertTrue(Set(split.train).isDisjoint(with: Set(split.eval)))
        let out = try run("transfer", ["task": heldOut, "mode": .string("kshot"), "shots": .int(1), "episodes": .int(6), "epochs": .int(2)],
                          inputs: ["checkpoint": try pretrained(), "dataset": dataset])
        let m = try Fixtures.metrics(out)
        XCTAssertEqual(m["episodes"], .int(6))
        XCTAssertEqual(m["support_examples"], .int(4))
        let mean = try XCTUnwrap(m["accuracy"]?.doubleValue), sd = try XCTUnwrap(m["accuracy_sd"]?.doubleValue)
        let lo = try XCTUnwrap(m["accuracy_min"]?.doubleValue), hi = try XCTUnwrap(m["accuracy_max"]?.doubleValue)
        XCTAssertTrue(lo <= mean && mean <= hi && sd > 0, "\(m)")
        XCTAssertEqual(m["eval_examples"]?.intValue, Vocabulary(labels: .fine, classes: Vocabulary.downstream)
            .rows(of: try FashionMNIST.load(.test, directory: dataset), among: split.eval).count)
    }

    func testBaselinesAskForRandomWeightsByNameAndNeverTakeACheckpoint() throws {
        let ckpt = try pretrained()
        let random: [String: JSONValue] = ["model": capacity, "task": heldOut, "backbone": .string("random"), "epochs": .int(2)]
        var scratch = random
        scratch["mode"] = .string("scratch")
        var probe = random
        probe["mode"] = .string("frozen")
        for params in [scratch, probe] {
            let out = try run("transfer", params, inputs: ["dataset": dataset])
            XCTAssertNotNil(try Fixtures.metrics(out)["accuracy"]?.doubleValue)
        }
        XCTAssertTrue(logLines.contains { $0.contains("random (untrained) backbone") })
        XCTAssertThrowsError(try run("transfer", scratch, inputs: ["dataset": dataset, "checkpoint": ckpt])) { error in
            XCTAssertTrue("\(error)".contains("remove one of them"), "\(error)")
        }
        var forgotten = scratch
        forgotten["backbone"] = nil
        XCTAssertThrowsError(try run("transfer", forgotten, inputs: ["dataset": dataset])) { error in
            XCTAssertTrue("\(error)".contains("must be `random` for mode `scratch`"), "\(error)")
        }
        // A forgotten checkpoint input is an error, not a silent random baseline.
        XCTAssertThrowsError(try run("transfer", ["task": heldOut, "mode": .string("frozen")], inputs: ["dataset": dataset])) { error in
            XCTAssertTrue("\(error)".contains("needs an input named `checkpoint`"), "\(error)")
        }
    }
}
