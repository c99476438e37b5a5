import XGraphCore

/// A trained MLP as a safetensors file that PyTorch loads into
/// `nn.Sequential(nn.Linear(784, w), nn.ReLU(), ..., nn.Linear(w, classes))` held in an
/// attribute named `layers`: the Linear modules sit at even indices, so the tensors are
/// `layers.0.weight` [width, 784], `layers.0.bias` [width], `layers.2.weight`, ..., and the head
/// `layers.<2·depth>.weight` [classes, width]. Inputs are flattened 28×28 images, pixel/255.
///
/// Metadata (all strings): format = "xgraph-mlp", format_version, input, width, depth,
/// classes, activation = "relu", labels = "fine" | "coarse".
///
/// Version History:
/// * 1: First version.
/// A reader accepts every version up to `formatVersion`; a change that an older reader would
/// misread bumps it.
public struct Checkpoint: Sendable, Equatable {
    public static let formatVersion = 1
    public static let formatName = "xgraph-mlp"

    public var model: MLP
    public var labels: LabelSet

    public init(model: MLP, labels: LabelSet) {
        self.model = model
        self.labels = labels
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
        return SafetensorsFile(entries: entries, metadata: [
            "format": Self.formatName,
            "format_version": String(Self.formatVersion),
            "input": String(model.inputSize),
            "width": String(model.width),
            "depth": String(model.depth),
            "classes": String(model.classes),
            "activation": "relu",
            "labels": labels.rawValue,
        ])
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
        self.init(model: MLP(layers: layers), labels: labels)
        if let classes = m["classes"].flatMap(Int.init), classes != model.classes {
            throw bad("metadata says \(classes) classes, the head has \(model.classes)")
        }
    }

    public func write(to path: String) throws { try safetensors.write(to: path) }

    public static func read(path: String) throws -> Checkpoint {
        try Checkpoint(SafetensorsFile.read(path: path), path: path)
    }
}
