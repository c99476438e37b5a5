import Foundation
import XGraphCore

/// The checks that turn a series the laws cannot fit (too few sizes, a constant metric, a NaN,
/// an error of zero) into one message saying what is wrong and what would work, instead of a
/// meaningless optimum.
enum LawData {
    static func samples(_ points: [LawPoint], _ settings: LawSettings) throws -> [LawSample] {
        let law = settings.law
        for p in points {
            let at = where_(p)
            guard p.value.isFinite else {
                throw XGraphError.usage("the metric is \(p.value) at \(at): leave the run out (--where) or rebuild it")
            }
            guard p.data.isFinite, p.data > 0 else {
                throw XGraphError.usage("the data size at \(at) is \(p.data); it must be a positive number")
            }
            if law == .joint {
                guard let n = p.model else {
                    throw XGraphError.usage("the joint law needs a model size for every run and \(at) has none: "
                        + "give --model-size FIELD (a numeric capacity field), param:NAME or metric:NAME")
                }
                guard n.isFinite, n > 0 else {
                    throw XGraphError.usage("the model size at \(at) is \(n); it must be a positive number")
                }
            }
        }
        guard let lo = points.map(\.value).min(), let hi = points.map(\.value).max() else {
            throw XGraphError.usage("no runs to fit")
        }
        if hi - lo <= 1e-12 * max(abs(hi), abs(lo), 1e-300) {
            throw XGraphError.usage("the metric is constant (\(String(format: "%g", hi)) at every size): a law needs a metric "
                + "that changes with size; this one has reached its plateau, or the step does not compute it")
        }
        let distinctData = Set(points.map(\.data)).sorted()
        if law == .power && distinctData.count < 3 {
            throw XGraphError.usage("the power law has 3 parameters and needs 3 distinct data sizes or more; this series has "
                + "\(distinctData.count) (\(distinctData.map(label).joined(separator: ", "))): measure another size, "
                + "or fit --law loglinear (2 sizes)")
        }
        if law == .joint {
            let models = Set(points.compactMap(\.model))
            let cells = Set(points.map { [$0.data, $0.model ?? 0] })
            if models.count < 2 || distinctData.count < 2 || cells.count < 5 {
                throw XGraphError.usage("the joint law has 5 parameters and needs 2 model sizes or more, 2 data sizes or more, "
                    + "and 5 distinct (model, data) cells; this group has \(models.count) model size(s), \(distinctData.count) "
                    + "data size(s), \(cells.count) cell(s): fit --law power per model instead")
            }
        }
        return try points.map { p in
            let loss = settings.direction.loss(p.value)
            guard loss > 0 else {
                throw XGraphError.usage("the law fits the logarithm of a loss, and the loss at \(where_(p)) is "
                    + "\(String(format: "%g", loss)) (\(settings.direction.fitted("metric")) with metric \(String(format: "%g", p.value))): "
                    + "a loss must be positive; if the metric is a loss, say --direction lower; if a score, its ceiling must exceed it")
            }
            return LawSample(data: p.data, model: p.model ?? 1, loss: loss, block: p.replicate)
        }
    }

    private static func where_(_ p: LawPoint) -> String {
        var s = "data=\(label(p.data))"
        if let m = p.model { s += ", model size \(label(m))" }
        if let r = p.replicate { s += ", replicate \(r)" }
        if let n = p.node { s += " (\(n))" }
        return s
    }

    static func label(_ x: Double) -> String {
        x >= 1 && x < 1e18 && x == x.rounded() ? SizeLabel.format(Int(x)) : String(format: "%g", x)
    }
}
