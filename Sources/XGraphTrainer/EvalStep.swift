import Foundation
import XGraphCore

/// builtin:eval — a checkpoint's own head on a whole Fashion-MNIST split, in the label
/// vocabulary the checkpoint was trained for (fine for pretrain outputs).
enum EvalStep {
    static func run(_ context: BuiltinContext, _ params: BuiltinParams, log: (String) -> Void) throws {
        let checkpoint = try context.checkpoint(builtin: "eval")
        let dir = try context.datasetDirectory(builtin: "eval")
        let split = FashionMNIST.Split(rawValue: try params.choice(
            "split", allowed: FashionMNIST.Split.allCases.map(\.rawValue), default: FashionMNIST.Split.test.rawValue))!
        let images = try FashionMNIST.load(split, directory: dir)
        guard images.dimension == checkpoint.model.inputSize else {
            throw XGraphError.io("the checkpoint takes \(checkpoint.model.inputSize) inputs, the images in \(dir) have \(images.dimension) pixels")
        }
        // The images of the classes the head knows, in its vocabulary.
        let result = checkpoint.model.evaluate(checkpoint.vocabulary.rows(of: images))
        log("eval: \(split.rawValue) split, \(result.count) images, accuracy \(formatMetric(result.accuracy)), loss \(formatMetric(result.loss))")
        try MetricsFile.write(["accuracy": .double(result.accuracy), "loss": .double(result.loss), "examples": .int(result.count)], to: context)
    }
}
