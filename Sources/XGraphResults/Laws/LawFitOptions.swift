import XGraphCore

/// Where a law's size comes from: the size axis's labels, a numeric parameter (a capacity field
/// such as `model.params`), or a metric the run recorded (`tokens` actually seen).
public enum SizeSource: Sendable, Equatable, CustomStringConvertible {
    case axis(String)
    case param(String)
    case metric(String)

    /// `metric:NAME`, `param:NAME`, or a bare word: a capacity field of `capacityAxis`
    /// (`params` → param `model.params`) for the model size, an axis for the data size.
    public static func parse(_ text: String, bareIsFieldOf capacityAxis: String?) throws -> SizeSource {
        if text.hasPrefix("metric:") { return try named(SizeSource.metric, text.dropFirst(7), text) }
        if text.hasPrefix("param:") { return try named(SizeSource.param, text.dropFirst(6), text) }
        guard !text.isEmpty, !text.contains(":") else {
            throw XGraphError.usage("size '\(text)': expected FIELD, param:NAME or metric:NAME")
        }
        return capacityAxis.map { .param("\($0).\(text)") } ?? .axis(text)
    }

    private static func named(_ make: (String) -> SizeSource, _ name: Substring, _ text: String) throws -> SizeSource {
        guard !name.isEmpty else { throw XGraphError.usage("size '\(text)': the name after ':' is missing") }
        return make(String(name))
    }

    public var description: String {
        switch self {
        case .axis(let a): return "axis:\(a)"
        case .param(let p): return "param:\(p)"
        case .metric(let m): return "metric:\(m)"
        }
    }
}

/// What `lawFits` fits (docs/results.md, "Scaling laws").
public struct LawFitOptions: Sendable, Equatable {
    public var law: ScalingLaw
    public var metric: String
    public var sizeAxis: String
    /// Axes that make one series each. For the joint law the capacity axis is not one: its
    /// values are the model sizes of one fit.
    public var seriesAxes: [String]
    public var replicateAxis: String?
    /// The axis ranging over capacities (joint law; `--at model=…`).
    public var modelAxis: String
    /// nil: guessed from the metric's name (`MetricDirection.guess`).
    public var higherIsBetter: Bool?
    public var dataSize: SizeSource?
    public var modelSize: SizeSource?
    public var delta: Double
    public var bootstrap: Int
    public var seed: UInt64
    /// Each `--at` as its clauses, e.g. [("data", "300M"), ("model", "r152")].
    public var targets: [[(key: String, value: String)]]

    public init(law: ScalingLaw, metric: String, sizeAxis: String = "data", seriesAxes: [String] = ["model"],
                replicateAxis: String? = nil, modelAxis: String = "model", higherIsBetter: Bool? = nil,
                dataSize: SizeSource? = nil, modelSize: SizeSource? = nil, delta: Double = RobustFit.defaultDelta,
                bootstrap: Int = 1000, seed: UInt64 = 0, targets: [[(key: String, value: String)]] = []) {
        self.law = law; self.metric = metric; self.sizeAxis = sizeAxis; self.seriesAxes = seriesAxes
        self.replicateAxis = replicateAxis; self.modelAxis = modelAxis; self.higherIsBetter = higherIsBetter
        self.dataSize = dataSize; self.modelSize = modelSize; self.delta = delta
        self.bootstrap = bootstrap; self.seed = seed; self.targets = targets
    }

    public static func == (a: LawFitOptions, b: LawFitOptions) -> Bool {
        a.law == b.law && a.metric == b.metric && a.sizeAxis == b.sizeAxis && a.seriesAxes == b.seriesAxes
            && a.replicateAxis == b.replicateAxis && a.modelAxis == b.modelAxis && a.higherIsBetter == b.higherIsBetter
            && a.dataSize == b.dataSize && a.modelSize == b.modelSize && a.delta == b.delta && a.bootstrap == b.bootstrap
            && a.seed == b.seed && a.targets.map { $0.map { "\($0.key)=\($0.value)" } } == b.targets.map { $0.map { "\($0.key)=\($0.value)" } }
    }

    /// Parses `--at data=300M,model=r152`.
    public static func parseTarget(_ text: String) throws -> [(key: String, value: String)] {
        let clauses = try text.split(separator: ",").map { c -> (key: String, value: String) in
            let parts = c.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw XGraphError.usage("--at '\(text)': each clause is AXIS=VALUE, e.g. data=300M,model=r152")
            }
            return (parts[0], parts[1])
        }
        guard !clauses.isEmpty else { throw XGraphError.usage("--at is empty; e.g. --at data=300M") }
        return clauses
    }
}
