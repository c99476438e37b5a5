import XGraphCore

/// A trained network as a safetensors file that PyTorch loads with `load_state_dict`.
///
/// An MLP (format `xgraph-mlp`) is
/// `nn.Sequential(nn.Linear(784, w), nn.ReLU(), ..., nn.Linear(w, classes))` held in an
/// attribute named `layers`: the Linear modules sit at even indices, so the tensors are
/// `layers.0.weight` [width, 784], `layers.0.bias` [width], `layers.2.weight`, ..., and the head
/// `layers.<2·depth>.weight` [classes, width]. Inputs are flattened 28×28 images, pixel/255.
/// Metadata (all strings): format = "xgraph-mlp", format_version, input, width, depth,
/// classes, activation = "relu", labels = "fine" | "coarse", and `label_classes` (the
/// Fashion-MNIST classes the labels cover, e.g. "0,1,4,5,8,9") when not all ten.
///
/// A CNN (format `xgraph-cnn`) has two `nn.Sequential` attributes: `features`, of
/// (Conv2d(c, c', 3, padding=1), ReLU, MaxPool2d(2)) per conv layer, so `features.<3l>.weight`
/// [c', c, 3, 3] and `.bias`; and `classifier`, laid out like the MLP's `layers` on the flattened
/// (channel, row, column) maps: `classifier.<2j>.weight`, `.bias`. Metadata: format =
/// "xgraph-cnn", format_version, input, side, channels and hidden (comma-separated, hidden
/// may be empty), classes, activation = "relu", pooling = "max2", labels, and `label_classes`
/// as for an MLP.
///
/// Version History:
/// * 1: First version (both formats).
/// A reader accepts every version up to `formatVersion`; a change that an older reader would
/// misread bumps it.
public struct Checkpoint: Sendable, Equatable {
    public static let formatVersion = 1
    public static let formatName = "xgraph-mlp"
    public static let cnnFormatName = "xgraph-cnn"

    public var model: Network
    /// The labels the head predicts.
    public var vocabulary: Vocabulary
    public var labels: LabelSet { vocabulary.labels }

    public init(model: Network, vocabulary: Vocabulary) {
        self.model = model
        self.vocabulary = vocabulary
    }

    public init(model: Network, labels: LabelSet) {
        self.init(model: model, vocabulary: Vocabulary(labels: labels))
    }

    public init(model: MLP, vocabulary: Vocabulary) {
        self.init(model: Network(mlp: model), vocabulary: vocabulary)
    }

    public init(model: MLP, labels: LabelSet) {
        self.init(model: Network(mlp: model), labels: labels)
    }

    public static func tensorName(layer: Int, _ part: String) -> String { "layers.\(2 * layer).\(part)" }
    public static func convTensorName(layer: Int, _ part: String) -> String { "features.\(3 * layer).\(part)" }
    public static func classifierTensorName(layer: Int, _ part: String) -> String { "classifier.\(2 * layer).\(part)" }

    public var safetensors: SafetensorsFile {
        var file = model.convs.isEmpty ? mlpSafetensors(model.dense) : cnnSafetensors
        // Only when some classes are left out, so that the checkpoints of studies over all ten
        // classes keep their bytes.
        if !vocabulary.coversAllClasses { file.metadata["label_classes"] = vocabulary.classList }
        return file
    }

    private static func denseEntries(_ layers: [DenseLayer], name: (Int, String) -> String) -> [SafetensorsFile.Entry] {
        var entries: [SafetensorsFile.Entry] = []
        for (l, layer) in layers.enumerated() {
            entries.append(.init(name: name(l, "weight"), tensor: Tensor(shape: [layer.outputs, layer.inputs], values: layer.weight)))
            entries.append(.init(name: name(l, "bias"), tensor: Tensor(shape: [layer.outputs], values: layer.bias)))
        }
        return entries
    }

    private func mlpSafetensors(_ mlp: MLP) -> SafetensorsFile {
        SafetensorsFile(entries: Self.denseEntries(mlp.layers, name: Self.tensorName), metadata: [
            "format": Self.formatName,
            "format_version": String(Self.formatVersion),
            "input": String(mlp.inputSize),
            "width": String(mlp.width),
            "depth": String(mlp.depth),
            "classes": String(mlp.classes),
            "activation": "relu",
            "labels": labels.rawValue,
        ])
    }

    private var cnnSafetensors: SafetensorsFile {
        var entries: [SafetensorsFile.Entry] = []
        for (l, conv) in model.convs.enumerated() {
            entries.append(.init(name: Self.convTensorName(layer: l, "weight"),
                                 tensor: Tensor(shape: [conv.outputs, conv.inputs, ConvLayer.kernel, ConvLayer.kernel], values: conv.weight)))
            entries.append(.init(name: Self.convTensorName(layer: l, "bias"), tensor: Tensor(shape: [conv.outputs], values: conv.bias)))
        }
        entries += Self.denseEntries(model.dense.layers, name: Self.classifierTensorName)
        return SafetensorsFile(entries: entries, metadata: [
            "format": Self.cnnFormatName,
            "format_version": String(Self.formatVersion),
            "input": String(model.inputSize),
            "side": String(model.side),
            "channels": model.convs.map { String($0.outputs) }.joined(separator: ","),
            "hidden": model.dense.layers.dropLast().map { String($0.outputs) }.joined(separator: ","),
            "classes": String(model.classes),
            "activation": "relu",
            "pooling": "max2",
            "labels": labels.rawValue,
        ])
    }

    public init(_ file: SafetensorsFile, path: String) throws {
        let m = file.metadata
        let format = m["format"]
        guard format == Self.formatName || format == Self.cnnFormatName else {
            throw XGraphError.io("\(path) is not an xgraph checkpoint: metadata `format` is \(format ?? "missing"), expected \(Self.formatName) or \(Self.cnnFormatName)")
        }
        func bad(_ why: String) -> XGraphError { .io("\(path) is not an xgraph \(format == Self.formatName ? "MLP" : "CNN") checkpoint: \(why)") }
        guard let version = m["format_version"].flatMap(Int.init), version >= 1 else { throw bad("no format_version") }
        guard version <= Self.formatVersion else {
            throw XGraphError.io("\(path) has checkpoint format version \(version); this xgraph reads up to \(Self.formatVersion), upgrade xgraph")
        }
        guard let labels = LabelSet(rawValue: m["labels"] ?? "fine") else { throw bad("unknown labels \(m["labels"] ?? "")") }
        var included = Vocabulary.all
        if let list = m["label_classes"] {
            guard let parsed = Vocabulary.parseClassList(list) else { throw bad("`label_classes` is \(list), expected class numbers 0–9 such as 0,1,4") }
            included = parsed
        }
        let vocabulary = Vocabulary(labels: labels, classes: included)
        if format == Self.formatName {
            guard let depth = m["depth"].flatMap(Int.init), depth >= 0 else { throw bad("no depth") }
            let layers = try Self.readDense(file, count: depth + 1, name: Self.tensorName, inputs: nil, bad: bad)
            self.init(model: MLP(layers: layers), vocabulary: vocabulary)
        } else {
            self.init(model: try Self.readCNN(file, bad: bad), vocabulary: vocabulary)
        }
        if let classes = m["classes"].flatMap(Int.init), classes != model.classes {
            throw bad("metadata says \(classes) classes, the head has \(model.classes)")
        }
        guard vocabulary.count == model.classes else {
            throw bad("the head has \(model.classes) outputs, but \(labels.rawValue) labels of classes \(vocabulary.classList) are \(vocabulary.count)")
        }
    }

    private static func readDense(_ file: SafetensorsFile, count: Int, name: (Int, String) -> String, inputs: Int?,
                                  bad: (String) -> XGraphError) throws -> [DenseLayer] {
        var layers: [DenseLayer] = []
        for l in 0..<count {
            guard let w = file[name(l, "weight")], let b = file[name(l, "bias")] else {
                throw bad("tensor \(name(l, "weight")) or its bias is missing")
            }
            let expectedInputs = layers.last?.outputs ?? inputs
            guard w.shape.count == 2, w.shape.allSatisfy({ $0 > 0 }), b.shape == [w.shape[0]],
                  expectedInputs.map({ $0 == w.shape[1] }) ?? true else {
                throw bad("\(name(l, "weight")) has inconsistent shapes \(w.shape) and \(b.shape)")
            }
            layers.append(DenseLayer(inputs: w.shape[1], outputs: w.shape[0], weight: w.values, bias: b.values))
        }
        return layers
    }

    private static func readCNN(_ file: SafetensorsFile, bad: (String) -> XGraphError) throws -> Network {
        let m = file.metadata
        func list(_ key: String) throws -> [Int] {
            guard let text = m[key] else { throw bad("no \(key)") }
            guard !text.isEmpty else { return [] }
            let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard values.allSatisfy({ ($0 ?? 0) > 0 }) else { throw bad("\(key) must be comma-separated positive integers, got \(text)") }
            return values.compactMap { $0 }
        }
        let channels = try list("channels"), hidden = try list("hidden")
        guard (1...ModelCapacity.maxConvLayers).contains(channels.count) else { throw bad("channels must list 1 to \(ModelCapacity.maxConvLayers) layers") }
        guard let side = m["side"].flatMap(Int.init), side > 0, Network.pooledSide(side, layers: channels.count) > 0 else {
            throw bad("side is missing or too small for \(channels.count) poolings")
        }
        var convs: [ConvLayer] = []
        var inputs = 1
        for (l, c) in channels.enumerated() {
            let k = ConvLayer.kernel
            guard let w = file[convTensorName(layer: l, "weight")], let b = file[convTensorName(layer: l, "bias")] else {
                throw bad("tensor \(convTensorName(layer: l, "weight")) or its bias is missing")
            }
            guard w.shape == [c, inputs, k, k], b.shape == [c] else {
                throw bad("\(convTensorName(layer: l, "weight")) has shape \(w.shape) and bias \(b.shape), expected [\(c), \(inputs), \(k), \(k)] and [\(c)]")
            }
            convs.append(ConvLayer(inputs: inputs, outputs: c, weight: w.values, bias: b.values))
            inputs = c
        }
        let pooled = Network.pooledSide(side, layers: channels.count)
        let dense = try readDense(file, count: hidden.count + 1, name: classifierTensorName, inputs: inputs * pooled * pooled, bad: bad)
        for (layer, width) in zip(dense, hidden) where layer.outputs != width {
            throw bad("metadata says hidden \(hidden), the classifier's layers have \(dense.map(\.outputs))")
        }
        return Network(side: side, convs: convs, dense: MLP(layers: dense))
    }

    public func write(to path: String) throws { try safetensors.write(to: path) }

    public static func read(path: String) throws -> Checkpoint {
        try Checkpoint(SafetensorsFile.read(path: path), path: path)
    }
}
