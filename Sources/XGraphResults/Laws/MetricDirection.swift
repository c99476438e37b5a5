import Foundation

/// Which way a metric improves, which decides what the power laws fit: a loss falls towards an
/// irreducible floor and is fitted as it is; an accuracy rises towards a ceiling, and its error
/// `ceiling − metric` is the loss (1 − top1, or 100 − top1 for percentages).
public enum MetricDirection: Sendable, Equatable {
    case lower
    case higher(ceiling: Double)

    /// The words `--direction` accepts.
    public static let names = ["lower", "higher"]

    /// Metric names that are scores (higher is better) unless the user says otherwise. Anything
    /// else is taken as a loss; `--direction` overrides.
    static let scoreWords = ["acc", "top1", "top5", "ap", "map", "iou", "f1", "auc", "precision", "recall", "score"]

    /// The direction the name suggests: a score when some word of it (split at `_`, `-`, `.`,
    /// `/`) starts with a score word, e.g. `top1`, `val_acc`, `coco.mAP`.
    public static func guess(metric: String) -> Bool {
        let words = metric.lowercased().split { "_-./@".contains($0) }
        return words.contains { w in scoreWords.contains { w.hasPrefix($0) } }
    }

    /// The ceiling of a score from its values: 1 when they all are at most 1, 100 for percentages.
    static func ceiling(for values: [Double]) -> Double? {
        guard let top = values.max() else { return 1 }
        if top <= 1 { return 1 }
        if top <= 100 { return 100 }
        return nil
    }

    /// The loss of a value.
    public func loss(_ value: Double) -> Double {
        switch self {
        case .lower: return value
        case .higher(let c): return c - value
        }
    }

    /// The metric of a loss.
    public func metric(_ loss: Double) -> Double {
        switch self {
        case .lower: return loss
        case .higher(let c): return c - loss
        }
    }

    /// What is fitted, for headers: `1 − top1`.
    public func fitted(_ metric: String) -> String {
        switch self {
        case .lower: return metric
        case .higher(let c): return "\(c == 1 ? "1" : String(format: "%g", c)) − \(metric)"
        }
    }

    public var name: String {
        if case .lower = self { return "lower" }
        return "higher"
    }
}
