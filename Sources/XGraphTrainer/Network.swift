import XGraphCore

/// The capacity of a builtin model, from the capacity axis (`model: mlp | cnn`).
public enum ModelCapacity: Sendable, Equatable {
    /// `depth` hidden ReLU layers of `width` units.
    case mlp(width: Int, depth: Int)
    /// 3×3 conv layers (each with ReLU and 2×2 max pooling) of these channel counts, then dense
    /// ReLU layers of the `hidden` widths, then the linear head.
    case cnn(channels: [Int], hidden: [Int])

    public static let maxConvLayers = 3
}

/// The model every builtin step trains: a stack of conv layers (empty for an MLP) feeding an
/// MLP, whose first layer reads the last pooled feature map flattened in PyTorch's (channel,
/// row, column) order. With no conv layers it is exactly the MLP: training, evaluation and
/// checkpoints go through the MLP's own code.
public struct Network: Sendable, Equatable {
    public var convs: [ConvLayer]
    /// The dense part, its head included.
    public var dense: MLP
    /// The input images' side (they are square); 0 without conv layers.
    public let side: Int

    public init(mlp: MLP) {
        convs = []
        dense = mlp
        side = 0
    }

    /// A CNN on `side`×`side` images with `convs[0].inputs` channels.
    public init(side: Int, convs: [ConvLayer], dense: MLP) {
        precondition(!convs.isEmpty && side > 0)
        for (a, b) in zip(convs, convs.dropFirst()) { precondition(a.outputs == b.inputs) }
        precondition(Self.pooledSide(side, layers: convs.count) > 0)
        precondition(dense.inputSize == convs[convs.count - 1].outputs * Self.pooledSide(side, layers: convs.count) * Self.pooledSide(side, layers: convs.count))
        self.convs = convs
        self.dense = dense
        self.side = side
    }

    /// The feature-map side after `layers` rounds of 2×2 floor pooling.
    public static func pooledSide(_ side: Int, layers: Int) -> Int {
        var s = side
        for _ in 0..<layers { s /= 2 }
        return s
    }

    /// The side of a square image of `inputSize` pixels, nil if it is not square.
    public static func squareSide(_ inputSize: Int) -> Int? {
        guard inputSize > 0 else { return nil }
        var s = Int(Double(inputSize).squareRoot().rounded())
        while s * s > inputSize { s -= 1 }
        while (s + 1) * (s + 1) <= inputSize { s += 1 }
        return s * s == inputSize ? s : nil
    }

    public var isMLP: Bool { convs.isEmpty }
    public var inputSize: Int { convs.isEmpty ? dense.inputSize : side * side * convs[0].inputs }
    public var classes: Int { dense.classes }
    /// The size of the head's input: the penultimate representation a frozen transfer reads.
    public var featureSize: Int { dense.featureSize }
    public var parameterCount: Int {
        convs.reduce(0) { $0 + $1.weight.count + $1.bias.count } + dense.layers.reduce(0) { $0 + $1.weight.count + $1.bias.count }
    }
    /// All trainable layers, conv first: the index `TrainingConfig.firstTrainedLayer` counts in.
    public var layerCount: Int { convs.count + dense.layers.count }

    /// The last, linear layer.
    public var head: DenseLayer {
        get { dense.layers[dense.layers.count - 1] }
        set {
            precondition(newValue.inputs == featureSize)
            dense.layers[dense.layers.count - 1] = newValue
        }
    }

    /// For logs: "MLP 784→2×256→10" or "CNN 1×28×28 → conv 8 → conv 16 → 10".
    public var summary: String {
        if convs.isEmpty { return "MLP \(dense.inputSize)→\(dense.depth)×\(dense.width)→\(classes)" }
        let stages = convs.map { "conv \($0.outputs)" } + dense.layers.dropLast().map { "dense \($0.outputs)" }
        return "CNN \(convs[0].inputs)×\(side)×\(side) → " + (stages + ["\(classes)"]).joined(separator: " → ")
    }

    /// A freshly initialised network: He normal N(0, 2/fan_in) before every ReLU, N(0, 1/fan_in)
    /// for the head, zero biases, all from one SplitMix64/Box–Muller stream per seed (conv layers
    /// first), so a seed fixes the weights. An MLP capacity gives exactly `MLP(inputSize:...)`.
    /// A CNN needs a square single-channel image (`inputSize` = side²) that survives its poolings.
    public static func random(capacity: ModelCapacity, inputSize: Int, classes: Int, seed: UInt64) -> Network {
        switch capacity {
        case .mlp(let width, let depth):
            return Network(mlp: MLP(inputSize: inputSize, width: width, depth: depth, classes: classes, seed: seed))
        case .cnn(let channels, let hidden):
            guard let side = squareSide(inputSize) else { preconditionFailure("a CNN needs square images, got \(inputSize) pixels") }
            precondition(!channels.isEmpty && channels.allSatisfy { $0 > 0 } && hidden.allSatisfy { $0 > 0 } && classes > 0)
            var normal = GaussianSampler(seed: Seeds.mix(seed, Seeds.initialisation))
            var convs: [ConvLayer] = []
            var fanIn = 1
            for c in channels {
                convs.append(.random(inputs: fanIn, outputs: c, normal: &normal))
                fanIn = c
            }
            let s = pooledSide(side, layers: channels.count)
            var layers: [DenseLayer] = []
            var inputs = fanIn * s * s
            for (i, outputs) in (hidden + [classes]).enumerated() {
                layers.append(MLP.randomLayer(inputs: inputs, outputs: outputs, gain: i == hidden.count ? 1 : 2, normal: &normal))
                inputs = outputs
            }
            return Network(side: side, convs: convs, dense: MLP(layers: layers))
        }
    }

    /// This network with its head replaced by a freshly initialised one for `classes` outputs.
    public func withNewHead(classes: Int, seed: UInt64) -> Network {
        var copy = self
        copy.dense = dense.withNewHead(classes: classes, seed: seed)
        return copy
    }

    /// The capacity from the capacity axis (or top-level params): `model` is `mlp` (the
    /// default; `width`, `depth`) or `cnn` (`channels`, optional `hidden`).
    static func parse(_ params: BuiltinParams) throws -> ModelCapacity {
        // A top-level `model` is usually the capacity axis itself (an object), not a model name.
        let named = params.axis("capacity")?["model"] ?? params.value("model").flatMap { $0.objectValue == nil ? $0 : nil }
        switch named?.stringValue {
        case nil where named == nil, "mlp":
            let depth = try params.int("depth", axis: "capacity", default: 2)
            let width = try params.int("width", axis: "capacity", default: 256, min: 1)
            return .mlp(width: width, depth: depth)
        case "cnn":
            let channels = try intList(params, "channels", required: true,
                                       what: "a list of 1 to \(ModelCapacity.maxConvLayers) channel counts, each an integer ≥ 1",
                                       count: 1...ModelCapacity.maxConvLayers)
            let hidden = try intList(params, "hidden", required: false,
                                     what: "a dense width or a list of them, each an integer ≥ 1", count: 0...8)
            return .cnn(channels: channels, hidden: hidden)
        default:
            throw params.error("model", "must be `mlp` or `cnn` for the builtin trainer, got \(named?.canonical ?? "null")")
        }
    }

    private static func intList(_ params: BuiltinParams, _ name: String, required: Bool, what: String,
                                count: ClosedRange<Int>) throws -> [Int] {
        guard let v = params.value(name, axis: "capacity") else {
            if required { throw params.error(name, "is required for `model: cnn`: \(what), e.g. [8, 16]") }
            return []
        }
        let items = v.arrayValue ?? [v]
        let values = items.compactMap { $0.intValue }
        guard values.count == items.count, values.allSatisfy({ $0 >= 1 }), count.contains(values.count) else {
            throw params.error(name, "must be \(what), got \(v.canonical)")
        }
        return values
    }
}
