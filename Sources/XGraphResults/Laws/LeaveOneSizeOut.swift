import Foundation

/// How well a law predicts a data size it was not fitted on: each measured size is left out in
/// turn, the law fitted on the rest and its prediction compared with the mean of the runs left
/// out. A plateau that is real shows as the power law (with its floor E) predicting the largest
/// size better than the log-linear line.
public struct LawComparison: Sendable, Equatable {
    public var law: ScalingLaw
    /// Mean |predicted − measured| of the metric over the sizes that could be left out; nil
    /// when none could (too few sizes for the law).
    public var meanAbsError: Double?
    /// The same at the largest size alone: the error of a one-size extrapolation.
    public var largestSizeError: Double?
    /// How many sizes were left out and predicted.
    public var sizes: Int
}

public enum LeaveOneSizeOut {
    /// `laws` compared on `points`; the joint law fits the points as one, the others fit each
    /// model size (each capacity) separately.
    public static func compare(_ points: [LawPoint], laws: [ScalingLaw], direction: MetricDirection,
                               delta: Double = RobustFit.defaultDelta) -> [LawComparison] {
        let sizes = Set(points.map(\.data)).sorted()
        return laws.map { law in
            var errors: [Double] = []
            var largest: Double?
            for held in sizes {
                let train = points.filter { $0.data != held }
                let test = points.filter { $0.data == held }
                guard let predict = predictor(law, train, direction: direction, delta: delta) else { continue }
                // One error per (model, size) cell: the cell's mean against the prediction.
                let cells = Dictionary(grouping: test) { $0.model ?? 0 }
                var cellErrors: [Double] = []
                for (_, runs) in cells {
                    guard let first = runs.first, let p = predict(first) else { continue }
                    let mean = runs.map(\.value).reduce(0, +) / Double(runs.count)
                    cellErrors.append(abs(p - mean))
                }
                guard !cellErrors.isEmpty else { continue }
                let e = cellErrors.reduce(0, +) / Double(cellErrors.count)
                errors.append(e)
                if held == sizes.last { largest = e }
            }
            return LawComparison(law: law, meanAbsError: errors.isEmpty ? nil : errors.reduce(0, +) / Double(errors.count),
                                 largestSizeError: largest, sizes: errors.count)
        }
    }

    /// The law fitted on `train`, as a function from a point to its predicted metric (nil where
    /// the point's model size had too few sizes); nil when nothing could be fitted.
    static func predictor(_ law: ScalingLaw, _ train: [LawPoint], direction: MetricDirection,
                          delta: Double) -> ((LawPoint) -> Double?)? {
        switch law {
        case .joint:
            guard let fit = try? LawFitter.fit(train, LawSettings(law: .joint, direction: direction, delta: delta, bootstrap: 0))
            else { return nil }
            return { fit.metric(data: $0.data, model: $0.model) }
        case .power, .loglinear:
            var perModel: [Double: (Double) -> Double] = [:]
            for (model, runs) in Dictionary(grouping: train, by: { $0.model ?? 0 }) {
                if law == .power {
                    let settings = LawSettings(law: .power, direction: direction, delta: delta, bootstrap: 0)
                    if let fit = try? LawFitter.fit(runs.map { var r = $0; r.model = nil; return r }, settings) {
                        perModel[model] = { fit.metric(data: $0) }
                    }
                } else if let line = ScalingFit.fit(points: runs.map { ScalingFit.Point(size: $0.data, value: $0.value) }) {
                    perModel[model] = { line.predict(size: $0).value }
                }
            }
            guard !perModel.isEmpty else { return nil }
            return { p in perModel[p.model ?? 0].map { $0(p.data) } }
        }
    }
}
