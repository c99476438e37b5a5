import Foundation
import XCTest
import XGraphCore
import XGraphTrainer

/// Builtin version 4: label noise drawn in the vocabulary pretraining learns, and a schedule
/// of an exact number of steps.
final class NoiseVocabularyTests: XCTestCase {
    private var dataset = ""
    /// Trouser, dress, sandal, sneaker, bag, ankle boot: coarse groups bottoms {1, 3},
    /// footwear {5, 7, 9}, bags {8}.
    private let upstream: JSONValue = .array([1, 3, 5, 7, 8, 9].map { .int($0) })

    override func setUpWithError() throws {
        dataset = try Fixtures.syntheticFashion(train: 3000, test: 100)
    }

    private func subset(noise: Double, vocabulary: String?) throws -> (indices: [Int], labels: [UInt8], info: JSONValue) {
        var params: [String: JSONValue] = [
            "data": .object(["kind": .string("subset"), "name": .string("s"), "size": .int(1500), "seed": .int(5),
                             "label_noise": .double(noise), "classes": upstream]),
        ]
        if let vocabulary { params["vocabulary"] = .string(vocabulary) }
        let out = try Fixtures.temporaryDirectory("subset-\(vocabulary ?? "none")-\(noise)")
        try Builtins.run("subset", context: BuiltinContext(params: .object(params), inputs: ["dataset": dataset],
                                                           outputDirectory: out)) { _ in }
        let indices = try NumpyArray.read(path: "\(out)/indices.npy").map { Int($0) }
        let labels = try NumpyArray.read(path: "\(out)/labels.npy").map { UInt8($0) }
        return (indices, labels, try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: "\(out)/subset.json"))))
    }

    func testCoarseNoiseKeepsItsRateAfterTheFineLabelsAreMappedToCoarseOnes() throws {
        let train = try FashionMNIST.load(.train, directory: dataset)
        let coarse = Vocabulary(labels: .coarse, classes: [1, 3, 5, 7, 8, 9])
        func coarseRate(_ s: (indices: [Int], labels: [UInt8], info: JSONValue)) -> Double {
            Double(zip(s.indices, s.labels).filter { coarse.label(ofFine: train.labels[$0.0]) != coarse.label(ofFine: $0.1) }.count)
                / Double(s.indices.count)
        }
        // Drawn among the six fine classes, a flip to a class of the same group (sandal →
        // sneaker) is no flip in coarse labels: the coarse arm sees less noise than it was given.
        let fine = try subset(noise: 0.3, vocabulary: nil)
        XCTAssertLessThan(coarseRate(fine), 0.26)
        // Drawn in the coarse vocabulary, every flip changes the coarse label.
        let drawn = try subset(noise: 0.3, vocabulary: "coarse")
        XCTAssertEqual(coarseRate(drawn), 0.3, accuracy: 0.035)
        XCTAssertTrue(drawn.labels.allSatisfy { [1, 3, 5, 7, 8, 9].contains($0) }, "noise never teaches an excluded class")
        XCTAssertEqual(drawn.info["vocabulary"], .string("coarse"))
        XCTAssertEqual(drawn.indices, fine.indices, "the draw itself does not depend on the vocabulary")
    }

    func testFineVocabularyNoiseIsTheVersionThreeDraw() throws {
        let train = try FashionMNIST.load(.train, directory: dataset)
        let classes: [UInt8] = [1, 3, 5, 7, 8, 9]
        let s = try subset(noise: 0.3, vocabulary: "fine")
        let expected = s.indices.map { i -> UInt8 in
            let position = UInt8(classes.firstIndex(of: train.labels[i]) ?? 0)
            return classes[Int(SubsetDraw.noisyLabel(item: i, label: position, classes: classes.count, rate: 0.3, seed: 5))]
        }
        XCTAssertEqual(s.labels, expected)
        XCTAssertNil(s.info["vocabulary"])
    }

    func testAScheduleInStepsRunsExactlyThatManyStepsWithAPartialLastEpoch() throws {
        let train = try FashionMNIST.load(.train, directory: dataset)
        let data = LabelledRows(pixels: train.pixels, dimension: train.dimension,
                                rows: (0..<100).map { Int32($0) }, labels: train.labels[0..<100].map { Int32($0) })
        var model = Network.random(capacity: .cnn(channels: [2, 4], hidden: []), inputSize: 784, classes: 10, seed: 1)
        // 100 examples in batches of 32: 4 steps an epoch; 10 steps = 2 epochs and 2 steps.
        let config = TrainingConfig(epochs: 50, minSteps: 1000, batchSize: 32, steps: 10)
        XCTAssertEqual(Trainer.plannedEpochs(examples: 100, config: config), 3)
        XCTAssertEqual(Trainer.plannedSteps(examples: 100, config: config), 10)
        let report = Trainer.train(&model, on: data, config: config)
        XCTAssertEqual(report.steps, 10)
        XCTAssertEqual(report.epochs, 3)
        XCTAssertEqual(report.examplesSeen, 200 + 64)
        XCTAssertEqual(report.lossPerEpoch.count, 3)
        XCTAssertTrue(report.lossPerEpoch.allSatisfy(\.isFinite))
        // Without `steps`, epochs and the floor decide as before.
        XCTAssertEqual(Trainer.plannedSteps(examples: 100, config: TrainingConfig(epochs: 2, minSteps: 0, batchSize: 32)), 8)
    }
}
