import Foundation
import XCTest
import XGraphCore
import XGraphTrainer

final class CNNTests: XCTestCase {
    /// Two conv layers (2 and 3 channels) on 8×8 images: 8 → 4 → 2, so the classifier reads 12 features.
    private let tiny = Network.random(capacity: .cnn(channels: [2, 3], hidden: [5]), inputSize: 64, classes: 4, seed: 11)

    func testShapesAndDescription() {
        XCTAssertEqual(tiny.inputSize, 64)
        XCTAssertEqual(tiny.convs.map(\.weight.count), [2 * 1 * 9, 3 * 2 * 9])
        XCTAssertEqual(tiny.dense.inputSize, 3 * 2 * 2)
        XCTAssertEqual(tiny.featureSize, 5)
        XCTAssertEqual(tiny.classes, 4)
        XCTAssertEqual(tiny.parameterCount, (18 + 2) + (54 + 3) + (12 * 5 + 5) + (5 * 4 + 4))
        XCTAssertEqual(tiny.summary, "CNN 1×8×8 → conv 2 → conv 3 → dense 5 → 4")
        XCTAssertEqual(Network.random(capacity: .cnn(channels: [2, 3], hidden: [5]), inputSize: 64, classes: 4, seed: 11), tiny)
        XCTAssertNotEqual(Network.random(capacity: .cnn(channels: [2, 3], hidden: [5]), inputSize: 64, classes: 4, seed: 12), tiny)
        XCTAssertEqual(Network.squareSide(784), 28)
        XCTAssertNil(Network.squareSide(785))
    }

    func testBackpropagationMatchesFiniteDifferences() {
        var rng = SplitMix64(seed: 5)
        let batch = 3
        let inputs = (0..<(batch * 64)).map { _ in Float(rng.nextUnit()) }
        let labels = (0..<batch).map { _ in Int32(rng.next(below: 4)) }
        let (loss, gradients) = tiny.lossAndGradients(inputs: inputs, labels: labels)
        XCTAssertEqual(loss, tiny.evaluate(LabelledRows(pixels: inputs, dimension: 64, labels: labels)).loss, accuracy: 1e-6)

        enum Coordinate { case convWeight(Int), convBias(Int), denseWeight(Int), denseBias(Int), input }
        let eps: Float = 1e-3
        var checked: [String: Int] = [:]
        var kinks = 0
        let coordinates: [(String, Coordinate)] = [
            ("conv 0 weight", .convWeight(0)), ("conv 1 weight", .convWeight(1)), ("conv 0 bias", .convBias(0)),
            ("conv 1 bias", .convBias(1)), ("dense 0 weight", .denseWeight(0)), ("dense 1 weight", .denseWeight(1)),
            ("dense 0 bias", .denseBias(0)), ("input", .input),
        ]
        for (name, coordinate) in coordinates {
            for _ in 0..<8 {
                func size() -> Int {
                    switch coordinate {
                    case .convWeight(let l): tiny.convs[l].weight.count
                    case .convBias(let l): tiny.convs[l].bias.count
                    case .denseWeight(let l): tiny.dense.layers[l].weight.count
                    case .denseBias(let l): tiny.dense.layers[l].bias.count
                    case .input: inputs.count
                    }
                }
                let i = Int(rng.next(below: UInt64(size())))
                func perturbed(_ delta: Float) -> Double {
                    var m = tiny
                    var x = inputs
                    switch coordinate {
                    case .convWeight(let l): m.convs[l].weight[i] += delta
                    case .convBias(let l): m.convs[l].bias[i] += delta
                    case .denseWeight(let l): m.dense.layers[l].weight[i] += delta
                    case .denseBias(let l): m.dense.layers[l].bias[i] += delta
                    case .input: x[i] += delta
                    }
                    return m.evaluate(LabelledRows(pixels: x, dimension: 64, labels: labels)).loss
                }
                let (up, centre, down) = (perturbed(eps), perturbed(0), perturbed(-eps))
                // A ReLU or a pooling maximum switching inside [w - eps, w + eps] makes the loss
                // non-smooth there: the one-sided slopes disagree and a central difference means nothing.
                if abs((up - centre) - (centre - down)) > 1e-2 * abs(up - down) + 1e-6 {
                    kinks += 1
                    continue
                }
                let numeric = (up - down) / Double(2 * eps)
                let analytic: Float = switch coordinate {
                case .convWeight(let l): gradients.convs[l].weight[i]
                case .convBias(let l): gradients.convs[l].bias[i]
                case .denseWeight(let l): gradients.dense[l].weight[i]
                case .denseBias(let l): gradients.dense[l].bias[i]
                case .input: gradients.inputs[i]
                }
                XCTAssertEqual(Double(analytic), numeric, accuracy: 1e-3 + 2e-2 * abs(numeric), "\(name)[\(i)]")
                checked[name, default: 0] += 1
            }
        }
        for (name, _) in coordinates {
            XCTAssertGreaterThanOrEqual(checked[name] ?? 0, 3, "\(name): \(kinks) coordinates in all sat on a kink")
        }
        XCTAssertTrue(gradients.convs[0].weight.contains { abs($0) > 1e-4 }, "the first conv layer's gradients are not all ~0")
        XCTAssertTrue(gradients.inputs.contains { abs($0) > 1e-4 }, "input gradients are not all ~0")
    }

    func testCheckpointUsesPyTorchNamesAndRoundTripsByteForByte() throws {
        let dir = try Fixtures.temporaryDirectory()
        let checkpoint = Checkpoint(model: tiny, labels: .coarse)
        let file = checkpoint.safetensors
        XCTAssertEqual(file.metadata["format"], "xgraph-cnn")
        XCTAssertEqual(file.metadata["channels"], "2,3")
        XCTAssertEqual(file.metadata["hidden"], "5")
        XCTAssertEqual(file["features.0.weight"]?.shape, [2, 1, 3, 3])
        XCTAssertEqual(file["features.3.weight"]?.shape, [3, 2, 3, 3])
        XCTAssertEqual(file["features.3.bias"]?.shape, [3])
        XCTAssertEqual(file["classifier.0.weight"]?.shape, [5, 12])
        XCTAssertEqual(file["classifier.2.weight"]?.shape, [4, 5])
        XCTAssertEqual(file["features.3.weight"]?.values, tiny.convs[1].weight)
        try checkpoint.write(to: "\(dir)/a.safetensors")
        let read = try Checkpoint.read(path: "\(dir)/a.safetensors")
        XCTAssertEqual(read, checkpoint)
        try read.write(to: "\(dir)/b.safetensors")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.safetensors")),
                       try Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.safetensors")))

        var other = file
        other.metadata["format"] = "xgraph-vit"
        XCTAssertThrowsError(try Checkpoint(other, path: "v.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("v.safetensors") && "\(error)".contains("expected xgraph-mlp or xgraph-cnn"), "\(error)")
        }
        var wrong = file
        wrong.metadata["channels"] = "2,4"
        XCTAssertThrowsError(try Checkpoint(wrong, path: "w.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("features.3.weight"), "\(error)")
        }
    }

    func testAnMLPNetworkIsExactlyTheMLP() throws {
        let dir = try Fixtures.syntheticFashion(train: 200, test: 10)
        let train = try FashionMNIST.load(.train, directory: dir)
        let data = LabelledRows(pixels: train.pixels, dimension: train.dimension, labels: train.labels.map { Int32($0) })
        var mlp = MLP(inputSize: 784, width: 16, depth: 2, classes: 10, seed: 4)
        var network = Network.random(capacity: .mlp(width: 16, depth: 2), inputSize: 784, classes: 10, seed: 4)
        XCTAssertEqual(network, Network(mlp: mlp))
        let config = TrainingConfig(epochs: 2, batchSize: 16, seed: 4)
        let a = Trainer.train(&mlp, on: data, config: config)
        let b = Trainer.train(&network, on: data, config: config)
        XCTAssertEqual(network.dense, mlp)
        XCTAssertEqual(a.lossPerEpoch, b.lossPerEpoch)
        XCTAssertEqual(network.features(of: data), mlp.features(of: data))
        XCTAssertEqual(network.evaluate(data), mlp.evaluate(data))
        XCTAssertEqual(Checkpoint(model: network, labels: .fine).safetensors.encoded(),
                       Checkpoint(model: mlp, labels: .fine).safetensors.encoded())
        XCTAssertEqual(network.withNewHead(classes: 4, seed: 1).dense, mlp.withNewHead(classes: 4, seed: 1))
        // The weights after training, pinned from the MLP trainer before the CNN existed: bit for
        // bit on a kernel they were pinned on, to rounding on another (BLASKernel).
        let sum = mlp.layers.reduce(0.0) { $0 + $1.weight.reduce(0.0) { $0 + Double($1) } }
        if let pinned = Self.trainedMLPWeightSum[BLASKernel.name] {
            XCTAssertEqual(sum.bitPattern, pinned, "\(sum) on \(BLASKernel.name)")
        } else {
            XCTAssertEqual(sum, 59.90688414281203, accuracy: 1e-5, "on \(BLASKernel.name), not pinned: \(sum.bitPattern)")
        }
    }

    /// Per OpenBLAS kernel. The first pins were taken on another machine's kernel (not recorded
    /// then); "Cooperlake" is an AMD EPYC's with avx512_bf16.
    static let trainedMLPWeightSum: [String: UInt64] = [
        "reference": 4_633_627_961_718_952_384,  // 59.90688414281203
        "Cooperlake": 4_633_627_962_133_024_960,
    ]

    /// The CNN's outputs pinned bit for bit: the trained checkpoint, the features and the
    /// evaluation of a three-layer CNN (sides 28 → 14 → 7 → 3, so an odd side's uncovered row and
    /// column are in it) trained on synthetic images; 3, 8 and 9 channels take both the
    /// eight-wide and the one-at-a-time paths of the conv code. A speed-up of the conv code must keep them;
    /// if a change of numerics is meant, builtin outputs change with it: bump
    /// `BuiltinSteps.version` (so no cached result from the old code is reused) and re-pin.
    func testTrainedCNNOutputsArePinned() throws {
        let dir = try Fixtures.syntheticFashion(train: 300, test: 10)
        let train = try FashionMNIST.load(.train, directory: dir)
        let data = LabelledRows(pixels: train.pixels, dimension: train.dimension, labels: train.labels.map { Int32($0) })
        var model = Network.random(capacity: .cnn(channels: [3, 8, 9], hidden: [7]), inputSize: 784, classes: 10, seed: 8)
        let report = Trainer.train(&model, on: data, config: TrainingConfig(epochs: 2, batchSize: 24, learningRate: 0.05, seed: 8))
        let checkpoint = Digest.of(Checkpoint(model: model, labels: .fine).safetensors.encoded())
        let features = model.features(of: data).withUnsafeBytes { Digest.of(buffer: $0) }
        let evaluation = model.evaluate(data)
        // Version 4 changed label noise in coarse vocabularies and added `steps`; training
        // without `steps` is bitwise as in version 3, so these digests did not need re-pinning.
        XCTAssertEqual(BuiltinSteps.version, 4, "re-pin the digests below for the new version")
        let observed = CNNPins(checkpoint: checkpoint.hex, features: features.hex, loss: evaluation.loss.bitPattern,
                               lossPerEpoch: report.lossPerEpoch.map(\.bitPattern))
        if let pinned = Self.cnnPins[BLASKernel.name] {
            XCTAssertEqual(observed, pinned, "on \(BLASKernel.name)")
        } else {
            // Another kernel sums in another order: the same training to rounding, which two
            // epochs grow to a few parts in a million (Cooperlake against the reference: 3e-6).
            let reference = try XCTUnwrap(Self.cnnPins["reference"])
            XCTAssertEqual(evaluation.loss, Double(bitPattern: reference.loss), accuracy: 1e-4, "on \(BLASKernel.name), not pinned: \(observed)")
            for (a, b) in zip(report.lossPerEpoch, reference.lossPerEpoch) { XCTAssertEqual(a, Double(bitPattern: b), accuracy: 1e-4) }
        }
    }

    struct CNNPins: Equatable {
        var checkpoint: String, features: String, loss: UInt64, lossPerEpoch: [UInt64]
    }

    /// Per OpenBLAS kernel (see `trainedMLPWeightSum`).
    static let cnnPins: [String: CNNPins] = [
        "reference": CNNPins(checkpoint: "605b5f613f840d987ed165e7f9e9bf352fb3a870fdbdc5b307e50ff094939d83",
                             features: "88bf5e6614ae29db98bed181f0f8b6e513b59e9e981cc7318538b579545a38ab",
                             loss: 4_604_073_637_145_305_853, lossPerEpoch: [4_611_894_760_544_833_372, 4_607_206_661_917_402_726]),
        "Cooperlake": CNNPins(checkpoint: "0ed351839bcc3d56e622f9e97a5d683cdb985e46181632556a0c4a70e079b24c",
                              features: "98ae86584b03375f9b1dddb741d1e8f435d4aa036d3395024b2e49a853a0c86c",
                              loss: 4_604_073_657_064_111_473, lossPerEpoch: [4_611_894_760_526_266_586, 4_607_206_671_505_469_822]),
    ]

    func testTrainingACNNOnFashionMNISTLowersTheLoss() throws {
        try XCTSkipUnless(Fixtures.hasRealFashion, "dataset-fashion-mnist is not installed")
        let train = try FashionMNIST.load(.train, directory: Fixtures.realFashion)
        let data = LabelledRows(pixels: train.pixels, dimension: train.dimension,
                                rows: (0..<400).map { Int32($0) }, labels: train.labels[0..<400].map { Int32($0) })
        var model = Network.random(capacity: .cnn(channels: [4, 8], hidden: []), inputSize: 784, classes: 10, seed: 1)
        let before = model.evaluate(data)
        let start = model
        let report = Trainer.train(&model, on: data, config: TrainingConfig(epochs: 4, batchSize: 32, learningRate: 0.05))
        let after = model.evaluate(data)
        XCTAssertLessThan(report.lossPerEpoch[3], report.lossPerEpoch[0])
        XCTAssertLessThan(after.loss, before.loss * 0.6)
        XCTAssertGreaterThan(after.accuracy, 0.6)
        XCTAssertNotEqual(model.convs[0], start.convs[0], "the first conv layer trains")
        XCTAssertGreaterThan(report.sgemmFLOPs, 0)
        XCTAssertEqual(model.features(of: data).count, 400 * 8 * 7 * 7)
    }
}
