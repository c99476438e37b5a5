import XGraphCore

/// A trained MLP as a safetensors file that PyTorch loads into
/// `nn.Sequential(nn.Linear(784, w), nn.ReLU(), ..., nn.Linear(w, classes))` held in an
/// attribute named `layers`: the Linear modules sit at even indices, so the tensors are
/// `layers.0.weight` [width, 784], `layers.0.bias` [width], `layers.2.weight`, ..., and the head
/// `layers.<2·depth>.weight` [classes, width]. Inputs are flattened 28×28 images, pixel/255.
///
/// Metadata (all strings): format = "xgraph-mlp", format_version, input, width, depth,
/// classes, activation = "relu", labels = "fine" | "coarse", and `label_classes` (the
/// Fashion-MNIST classes the labels cover, e.g. "0,1,4,5,8,9") when not all ten.
///
/// Version History:
/// * 1: First version.
/// A reader accepts every version up to `formatVersion`; a change that an older reader would
/// misread bumps it.
public struct Checkpoint: Sendable, Equatable {
    public static let formatVersion = 1
    public static let formatName = "xgraph-mlp"

    public var model: MLP
    /// The labels the head predicts.
    public var vocabulary: Vocabulary
    public var labels: LabelSet { vocabulary.labels }

    public init(model: MLP, vocabulary: Vocabulary) {
        self.model = model
        self.vocabulary = vocabulary
    }

    public init(model: MLP, labels: LabelSet) {
        self.init(model: model, vocabulary: Vocabulary(labels: labels))
    }

    public static func tensorName(layer: Int, _ part: String) -> String { "layers.\(2 * layer).\(part)" }

    public var safetensors: SafetensorsFile {
        var entries: [SafetensorsFile.Entry] = []
        for (l, layer) in model.layers.enumerated() {
            entries.append(.init(name: Self.tensorName(layer: l, "weight"),
                                 tensor: Tensor(shape: [layer.outputs, layer.inputs], values: layer.weight)))
            entries.append(.init(name: Self.tensorName(layer: l, "bias"),
                                 tensor: Tensor(shape: [layer.outputs], values: layer.bias)))
        }
        var metadata = [
            "format": Self.formatName,
            "format_version": String(Self.formatVersion),
            "input": String(model.inputSize),
            "width": String(model.width),
            "depth": String(model.depth),
            "classes": String(model.classes),
            "activation": "relu",
            "labels": labels.rawValue,
        ]
        // Only when some classes are left out, so that the checkpoints of studies over all ten
        // classes keep their bytes.
        if !vocabulary.coversAllClasses { metadata["label_classes"] = vocabulary.classList }
        return SafetensorsFile(entries: entries, metadata: metadata)
    }

    public init(_ file: SafetensorsFile, path: String) throws {
        func bad(_ why: String) -> XGraphError { .io("\(path) is not an xgraph MLP checkpoint: \(why)") }
        let m = file.metadata
        guard m["format"] == Self.formatName else { throw bad("metadata `format` is \(m["format"] ?? "missing"), expected \(Self.formatName)") }
        guard let version = m["format_version"].flatMap(Int.init), version >= 1 else { throw bad("no format_version") }
        guard version <= Self.formatVersion else {
            throw XGraphError.io("\(path) has checkpoint format version \(version); this xgraph reads up to \(Self.formatVersion), upgrade xgraph")
        }
        guard let depth = m["depth"].flatMap(Int.init), depth >= 0 else { throw bad("no depth") }
        guard let labels = LabelSet(rawValue: m["labels"] ?? "fine") else { throw bad("unknown labels \(m["labels"] ?? "")") }
        var layers: [DenseLayer] = []
        for l in 0...depth {
            guard let w = file[Self.tensorName(layer: l, "weight")], let b = file[Self.tensorName(layer: l, "bias")] else {
                throw bad("tensor \(Self.tensorName(layer: l, "weight")) or its bias is missing")
            }
            guard w.shape.count == 2, b.shape == [w.shape[0]], layers.last.map({ $0.outputs == w.shape[1] }) ?? true else {
                throw bad("layer \(2 * l) has inconsistent shapes \(w.shape) and \(b.shape)")
            }
            layers.append(DenseLayer(inputs: w.shape[1], outputs: w.shape[0], weight: w.values, bias: b.values))
        }
        var included = Vocabulary.all
        if let list = m["label_classes"] {
            guard let parsed = Vocabulary.parseClassList(list) else { throw bad("`label_classes` is \(list), expected class numbers 0–9 such as 0,1,4") }
            included = parsed
        }
        self.init(model: MLP(layers: layers), vocabulary: Vocabulary(labels: labels, classes: included))
        if let classes = m["classes"].flatMap(Int.init), classes != model.classes {
            throw bad("metadata says \(classes) classes, the head has \(model.classes)")
        }
        guard vocabulary.count == model.classes else {
            throw bad("the head has \(model.classes) outputs, but \(labels.rawValue) labels of classes \(vocabulary.classList) are \(vocabulary.count)")
        }
    }

    public func write(to path: String) throws { try safetensors.write(to: path) }

    public static func read(path: String) throws -> Checkpoint {
        try Checkpoint(SafetensorsFile.read(path: path), path: path)
    }
}
