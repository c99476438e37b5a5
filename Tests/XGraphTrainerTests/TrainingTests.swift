import XCTest
import XGraphCore
import XGraphTrainer

final class TrainingTests: XCTestCase {
    private func syntheticRows(count: Int = 512) throws -> LabelledRows {
        let dir = try Fixtures.syntheticFashion(train: count, test: 10)
        let train = try FashionMNIST.load(.train, directory: dir)
        return LabelledRows(pixels: train.pixels, dimension: train.dimension, labels: train.labels.map { Int32($0) })
    }

    func testTrainingLowersTheLoss() throws {
        let data = try syntheticRows()
        var model = MLP(inputSize: 784, width: 32, depth: 1, classes: 10, seed: 1)
        let before = model.evaluate(data)
        let report = Trainer.train(&model, on: data, config: TrainingConfig(epochs: 3, batchSize: 32, learningRate: 0.05))
        let after = model.evaluate(data)
        XCTAssertEqual(report.epochs, 3)
        XCTAssertEqual(report.steps, 3 * 16)
        XCTAssertLessThan(report.lossPerEpoch[2], report.lossPerEpoch[0])
        XCTAssertLessThan(after.loss, before.loss / 2)
        XCTAssertGreaterThan(after.accuracy, 0.9)
        XCTAssertGreaterThan(report.sgemmFLOPs, 0)
    }

    func testTrainingIsAFunctionOfTheSeed() throws {
        let data = try syntheticRows(count: 200)
        func run(seed: UInt64) -> MLP {
            var model = MLP(inputSize: 784, width: 16, depth: 2, classes: 10, seed: seed)
            _ = Trainer.train(&model, on: data, config: TrainingConfig(epochs: 2, batchSize: 16, seed: seed))
            return model
        }
        XCTAssertEqual(run(seed: 5), run(seed: 5))
        XCTAssertNotEqual(run(seed: 5), run(seed: 6))
    }

    func testLayersBelowTheFirstTrainedOneKeepTheirWeights() throws {
        let data = try syntheticRows(count: 64)
        let start = MLP(inputSize: 784, width: 8, depth: 2, classes: 10, seed: 1)
        var model = start
        _ = Trainer.train(&model, on: data, config: TrainingConfig(epochs: 1, batchSize: 16, firstTrainedLayer: 1))
        XCTAssertEqual(model.layers[0], start.layers[0])
        XCTAssertNotEqual(model.layers[1], start.layers[1])
        XCTAssertNotEqual(model.layers[2], start.layers[2])
    }

    func testMinStepsLengthensShortRunsToWholeEpochs() {
        let config = TrainingConfig(epochs: 10, minSteps: 300, batchSize: 128)
        XCTAssertEqual(Trainer.plannedEpochs(examples: 1000, config: config), 38)  // 8 steps per epoch
        XCTAssertEqual(Trainer.plannedEpochs(examples: 60000, config: config), 10)
    }

    func testSchedulesWarmUpAndDecay() {
        let cosine = LearningRateSchedule(kind: .cosine, baseRate: 0.1, totalSteps: 110, warmupSteps: 10)
        XCTAssertEqual(cosine.rate(at: 0), 0.01, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(at: 9), 0.1, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(at: 10), 0.1, accuracy: 1e-12)
        XCTAssertEqual(cosine.rate(at: 60), 0.05, accuracy: 1e-12)
        XCTAssertLessThan(cosine.rate(at: 109), 1e-3)
        let step = LearningRateSchedule(kind: .step, baseRate: 1, totalSteps: 100)
        XCTAssertEqual([0, 49, 50, 74, 75, 99].map { step.rate(at: $0) }, [1, 1, 0.1, 0.1, 0.01, 0.01])
    }
}
