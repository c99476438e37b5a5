import Foundation
import XGraphCore

/// builtin:pretrain — trains an MLP or a CNN of the node's capacity on a subset of Fashion-MNIST's
/// training split, with the subset's (possibly noisy) labels, 10 classes.
enum PretrainStep {
    static let defaults = TrainingConfig(epochs: 10, minSteps: 300, batchSize: 128, learningRate: 0.05,
                                         momentum: 0.9, weightDecay: 5e-4, schedule: .cosine, warmupSteps: 0)

    static func run(_ context: BuiltinContext, _ params: BuiltinParams, log: (String) -> Void) throws {
        let subsetFolder = try context.requiredInput("subset", builtin: "pretrain", holding: "a subset output folder")
        let dir = try context.datasetDirectory(builtin: "pretrain")
        let capacity = try Network.parse(params)
        let config = try params.trainingConfig(defaults: defaults)

        let train = try FashionMNIST.load(.train, directory: dir)
        let subset = try SubsetStep.read(folder: subsetFolder)
        guard !subset.indices.isEmpty else { throw XGraphError.io("\(subsetFolder) holds an empty subset") }
        if let bad = subset.indices.first(where: { $0 >= train.count }) {
            throw XGraphError.io("\(subsetFolder): index \(bad) is outside Fashion-MNIST's \(train.count) training images")
        }
        // The label vocabulary pretraining learns (WSL's 1.5k vs 17k hashtags): each class of the
        // subset, or the coarse groups they fall into.
        let vocabulary = Vocabulary(labels: LabelSet(rawValue: try params.choice(
            "vocabulary", allowed: LabelSet.allCases.map(\.rawValue), default: LabelSet.fine.rawValue)) ?? .fine,
            classes: subset.classes)
        let fineLabels = subset.labels ?? subset.indices.map { train.labels[$0] }
        var labels: [Int32] = []
        labels.reserveCapacity(fineLabels.count)
        for (index, fine) in zip(subset.indices, fineLabels) {
            guard let label = vocabulary.label(ofFine: fine) else {
                throw XGraphError.io("\(subsetFolder): image \(index) has class \(fine), outside the subset's classes \(vocabulary.classList)")
            }
            labels.append(label)
        }
        let data = LabelledRows(pixels: train.pixels, dimension: train.dimension,
                                rows: subset.indices.map { Int32($0) }, labels: labels)

        if case .cnn = capacity, Network.squareSide(train.dimension) == nil {
            throw XGraphError.io("\(dir): images of \(train.dimension) pixels are not square, which `model: cnn` needs")
        }
        var model = Network.random(capacity: capacity, inputSize: train.dimension, classes: vocabulary.count, seed: config.seed)
        log("pretrain: \(model.summary) (\(vocabulary.labels.rawValue) labels of classes \(vocabulary.classList)) on \(data.count) images, \(Trainer.plannedEpochs(examples: data.count, config: config)) epochs")
        let report = Trainer.train(&model, on: data, config: config, log: log)
        try Checkpoint(model: model, vocabulary: vocabulary).write(to: context.output("model.safetensors"))

        // Held out: the test images of the same classes, with clean labels.
        let test = try FashionMNIST.load(.test, directory: dir)
        let held = model.evaluate(vocabulary.rows(of: test))
        var metrics = MetricsFile.training(report)
        metrics["train_examples"] = .int(data.count)
        metrics["parameters"] = .int(model.parameterCount)
        metrics["test_accuracy"] = .double(held.accuracy)
        metrics["test_loss"] = .double(held.loss)
        log("pretrain: train loss \(formatMetric(report.finalLoss)), test accuracy \(formatMetric(held.accuracy)); trained in \(MetricsFile.speed(report))")
        try MetricsFile.write(metrics, to: context)
    }
}
