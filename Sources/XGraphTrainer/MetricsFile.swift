import Foundation
import XGraphCore

/// metrics.json: a JSON object of numbers (and objects of numbers for curves), in
/// canonical form so that equal metrics give equal bytes.
enum MetricsFile {
    static func write(_ metrics: [String: JSONValue], to context: BuiltinContext) throws {
        let path = context.output("metrics.json")
        do { try JSONValue.object(metrics).canonicalData.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw XGraphError.io("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// A per-epoch curve: {"1": v1, "2": v2, ...}.
    static func curve(_ values: [Double]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: values.enumerated().map { (String($0.offset + 1), .double($0.element)) }))
    }

    static func training(_ r: TrainingReport) -> [String: JSONValue] {
        [
            "train_loss": .double(r.finalLoss),
            "train_accuracy": .double(r.accuracyPerEpoch.last ?? 0),
            "loss_curve": curve(r.lossPerEpoch),
            "epochs": .int(r.epochs),
            "steps": .int(r.steps),
            "examples_per_second": .double(r.examplesPerSecond.rounded()),
            "gflops": .double((r.gflops * 100).rounded() / 100),
            "train_seconds": .double((r.seconds * 1000).rounded() / 1000),
        ]
    }
}
