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

    /// What training produced. No timings: metrics.json is part of the output, and a figure that
    /// differs between two runs of the same inputs would make every re-run look new and rebuild
    /// everything downstream (no early cutoff). Speed goes to the log (`speed`); the run's
    /// duration is in its record and the results index (`duration_s`).
    static func training(_ r: TrainingReport) -> [String: JSONValue] {
        [
            "train_loss": .double(r.finalLoss),
            "train_accuracy": .double(r.accuracyPerEpoch.last ?? 0),
            "loss_curve": curve(r.lossPerEpoch),
            "epochs": .int(r.epochs),
            "steps": .int(r.steps),
        ]
    }

    /// `3.2 s, 50123 examples/s, 28.40 GFLOP/s`: for the step's log.
    static func speed(_ r: TrainingReport) -> String {
        String(format: "%.1f s, %.0f examples/s, %.2f GFLOP/s", r.seconds, r.examplesPerSecond, r.gflops)
    }
}
