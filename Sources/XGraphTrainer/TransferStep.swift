import Foundation
import XGraphCore

/// builtin:transfer — a pretrained backbone on a downstream task (fine or coarse labels on
/// the transfer split), with a new linear head, either on frozen features or fine-tuned.
enum TransferStep {
    enum Mode: String, CaseIterable {
        /// Train only the new head on the frozen penultimate features (feature extraction).
        case frozen
        /// Train every weight, starting from the pretrained backbone and a new head.
        case finetune
    }

    static let frozenDefaults = TrainingConfig(epochs: 20, minSteps: 0, batchSize: 128, learningRate: 0.05,
                                               momentum: 0.9, weightDecay: 0, schedule: .cosine)
    static let finetuneDefaults = TrainingConfig(epochs: 10, minSteps: 0, batchSize: 128, learningRate: 0.01,
                                                 momentum: 0.9, weightDecay: 5e-4, schedule: .cosine)

    static func run(_ context: BuiltinContext, _ params: BuiltinParams, log: (String) -> Void) throws {
        let pretrained = try context.checkpoint(builtin: "transfer")
        let dir = try context.datasetDirectory(builtin: "transfer")
        let modeName = try params.choice("mode", axis: "task", allowed: Mode.allCases.map(\.rawValue), default: nil)
        let mode = Mode(rawValue: modeName)!
        let labelSet = LabelSet(rawValue: try params.choice(
            "labels", axis: "task", allowed: LabelSet.allCases.map(\.rawValue), default: LabelSet.fine.rawValue))!
        let config = try params.trainingConfig(defaults: mode == .frozen ? frozenDefaults : finetuneDefaults)

        let test = try FashionMNIST.load(.test, directory: dir)
        guard test.dimension == pretrained.model.inputSize else {
            throw XGraphError.io("the checkpoint takes \(pretrained.model.inputSize) inputs, the images in \(dir) have \(test.dimension) pixels")
        }
        let split = TransferSplit.rows(testCount: test.count)
        func rows(_ r: [Int32]) -> LabelledRows {
            LabelledRows(pixels: test.pixels, dimension: test.dimension, rows: r,
                         labels: r.map { labelSet.label(ofFine: test.labels[Int($0)]) })
        }
        let trainRows = rows(split.train)
        let evalRows = rows(split.eval)
        let start = pretrained.model.withNewHead(classes: labelSet.classes, seed: config.seed)
        log("transfer: \(mode.rawValue), \(labelSet.rawValue) labels (\(labelSet.classes) classes), \(trainRows.count) train / \(evalRows.count) eval images")

        let model: Network
        let report: TrainingReport
        switch mode {
        case .frozen:
            // The backbone never changes, so its features are computed once and only the head
            // trains: the same result as backpropagating into a frozen network, far cheaper.
            let features = start.features(of: trainRows)
            var head = MLP(layers: [start.head])
            report = Trainer.train(&head, on: LabelledRows(pixels: features, dimension: start.featureSize, labels: trainRows.labels),
                                   config: config, log: log)
            var full = start
            full.head = head.layers[0]
            model = full
        case .finetune:
            var full = start
            report = Trainer.train(&full, on: trainRows, config: config, log: log)
            model = full
        }
        try Checkpoint(model: model, labels: labelSet).write(to: context.output("model.safetensors"))
        let result = model.evaluate(evalRows)
        var metrics = MetricsFile.training(report)
        metrics["accuracy"] = .double(result.accuracy)
        metrics["loss"] = .double(result.loss)
        metrics["classes"] = .int(labelSet.classes)
        metrics["train_examples"] = .int(trainRows.count)
        metrics["eval_examples"] = .int(evalRows.count)
        log("transfer: accuracy \(formatMetric(result.accuracy)), loss \(formatMetric(result.loss)); trained in \(MetricsFile.speed(report))")
        try MetricsFile.write(metrics, to: context)
    }
}
