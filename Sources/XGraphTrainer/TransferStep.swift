import Foundation
import XGraphCore

/// builtin:transfer — a backbone on a downstream task (some classes of the test images, in a
/// label vocabulary) with a new linear head, by one of the transfer protocols of the papers.
/// The backbone is a pretrain output (`checkpoint` input) or, for baselines, untrained
/// (`backbone: random`, no checkpoint).
enum TransferStep {
    enum Mode: String, CaseIterable {
        /// A linear probe: only a new head trains, on the frozen penultimate features.
        case frozen
        /// The head on frozen features first, then every layer at a lower rate (the probe's
        /// budget in all), so fine-tuning starts from a trained head rather than a random one.
        case finetune
        /// BiT's few-shot transfer: `episodes` linear probes, each on `shots` examples per class.
        case kshot
        /// Every layer from random weights on the downstream data alone: the baseline that
        /// says what pretraining buys.
        case scratch
    }

    static let frozenDefaults = TrainingConfig(epochs: 20, minSteps: 0, batchSize: 128, learningRate: 0.05,
                                               momentum: 0.9, weightDecay: 0, schedule: .cosine)
    /// The all-layers phase of `finetune`; its head phase uses `frozenDefaults` for `head_epochs`.
    static let finetuneDefaults = TrainingConfig(epochs: 10, minSteps: 0, batchSize: 128, learningRate: 0.01,
                                                 momentum: 0.9, weightDecay: 5e-4, schedule: .cosine)
    static let finetuneHeadEpochs = 10
    /// Few examples: full-batch steps, as many as a probe needs to converge on them.
    static let kshotDefaults = TrainingConfig(epochs: 100, minSteps: 0, batchSize: 128, learningRate: 0.05,
                                              momentum: 0.9, weightDecay: 0, schedule: .cosine)
    static let scratchDefaults = TrainingConfig(epochs: 20, minSteps: 0, batchSize: 128, learningRate: 0.05,
                                                momentum: 0.9, weightDecay: 5e-4, schedule: .cosine)

    static func run(_ context: BuiltinContext, _ params: BuiltinParams, log: (String) -> Void) throws {
        let modeName = try params.choice("mode", axis: "task", allowed: Mode.allCases.map(\.rawValue), default: nil)
        let mode = Mode(rawValue: modeName) ?? .frozen
        let dir = try context.datasetDirectory(builtin: "transfer")
        let vocabulary = Vocabulary(labels: LabelSet(rawValue: try params.choice(
            "labels", axis: "task", allowed: LabelSet.allCases.map(\.rawValue), default: LabelSet.fine.rawValue)) ?? .fine,
            classes: try Vocabulary.classes(params, axis: "task"))
        let test = try FashionMNIST.load(.test, directory: dir)
        let backbone = try Backbone.load(context, params, mode: mode, inputSize: test.dimension)
        guard test.dimension == backbone.model.inputSize else {
            throw XGraphError.io("the backbone takes \(backbone.model.inputSize) inputs, the images in \(dir) have \(test.dimension) pixels")
        }
        let split = TransferSplit.rows(testCount: test.count)
        let trainRows = vocabulary.rows(of: test, among: split.train)
        let evalRows = vocabulary.rows(of: test, among: split.eval)
        log("transfer: \(mode.rawValue), \(vocabulary.labels.rawValue) labels of classes \(vocabulary.classList) (\(vocabulary.count) labels), \(trainRows.count) train / \(evalRows.count) eval test images; \(backbone.origin(downstream: vocabulary))")

        var metrics: [String: JSONValue] = [
            "classes": .int(vocabulary.count),
            "train_examples": .int(trainRows.count),
            "eval_examples": .int(evalRows.count),
        ]
        switch mode {
        case .kshot:
            let shots = try params.int("shots", axis: "task", default: nil, min: 1)
            let episodes = try params.int("episodes", axis: "task", default: 20, min: 1)
            let config = try params.trainingConfig(defaults: kshotDefaults)
            metrics.merge(try FewShotTransfer(backbone: backbone.model, vocabulary: vocabulary, config: config)
                .run(train: trainRows, eval: evalRows, shots: shots, episodes: episodes, log: log)) { $1 }
        case .frozen, .finetune, .scratch:
            let (model, report) = try train(mode, backbone.model, classes: vocabulary.count, on: trainRows, params, log: log)
            try Checkpoint(model: model, vocabulary: vocabulary).write(to: context.output("model.safetensors"))
            let result = model.evaluate(evalRows)
            metrics.merge(MetricsFile.training(report)) { $1 }
            metrics["accuracy"] = .double(result.accuracy)
            metrics["loss"] = .double(result.loss)
            log("transfer: accuracy \(formatMetric(result.accuracy)), loss \(formatMetric(result.loss)); trained in \(MetricsFile.speed(report))")
        }
        try MetricsFile.write(metrics, to: context)
    }

    /// The trained model and the report of its last training phase.
    static func train(_ mode: Mode, _ backbone: Network, classes: Int, on rows: LabelledRows, _ params: BuiltinParams,
                      log: (String) -> Void) throws -> (Network, TrainingReport) {
        switch mode {
        case .frozen:
            let config = try params.trainingConfig(defaults: frozenDefaults)
            return trainHead(of: backbone.withNewHead(classes: classes, seed: config.seed), on: rows, config: config, log: log)
        case .finetune:
            let config = try params.trainingConfig(defaults: finetuneDefaults)
            var headConfig = frozenDefaults
            headConfig.epochs = try params.int("head_epochs", default: finetuneHeadEpochs, min: 0)
            headConfig.learningRate = try params.double("head_lr", default: frozenDefaults.learningRate, in: 0...100)
            headConfig.batchSize = config.batchSize
            headConfig.seed = config.seed
            var model = backbone.withNewHead(classes: classes, seed: config.seed)
            if headConfig.epochs > 0 {
                log("finetune: the head alone for \(headConfig.epochs) epochs, then every layer")
                (model, _) = trainHead(of: model, on: rows, config: headConfig, log: log)
            }
            let report = Trainer.train(&model, on: rows, config: config, log: log)
            return (model, report)
        case .scratch:
            let config = try params.trainingConfig(defaults: scratchDefaults)
            var model = backbone.withNewHead(classes: classes, seed: config.seed)
            let report = Trainer.train(&model, on: rows, config: config, log: log)
            return (model, report)
        case .kshot:
            preconditionFailure("k-shot transfer trains one head per episode (FewShotTransfer)")
        }
    }

    /// Trains only the head: the backbone never changes, so its features are computed once and
    /// the head trains on them, the same result as backpropagating into a frozen network.
    static func trainHead(of model: Network, on rows: LabelledRows, config: TrainingConfig, log: (String) -> Void) -> (Network, TrainingReport) {
        let features = model.features(of: rows)
        var head = MLP(layers: [model.head])
        let report = Trainer.train(&head, on: LabelledRows(pixels: features, dimension: model.featureSize, labels: rows.labels),
                                   config: config, log: log)
        var full = model
        full.head = head.layers[0]
        return (full, report)
    }
}
