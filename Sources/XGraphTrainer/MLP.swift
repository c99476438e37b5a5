import XGraphCore

/// One fully connected layer, stored as PyTorch's `nn.Linear` stores it: `weight` is
/// [outputs, inputs] row-major, so y = x · weightᵀ + bias.
public struct DenseLayer: Sendable, Equatable {
    public var inputs: Int
    public var outputs: Int
    public var weight: [Float]
    public var bias: [Float]

    public init(inputs: Int, outputs: Int, weight: [Float], bias: [Float]) {
        precondition(weight.count == inputs * outputs && bias.count == outputs)
        self.inputs = inputs
        self.outputs = outputs
        self.weight = weight
        self.bias = bias
    }
}

/// A multi-layer perceptron: `depth` hidden layers of `width` ReLU units, then a linear
/// layer to `classes` logits. Depth 0 is a linear classifier on the inputs.
public struct MLP: Sendable, Equatable {
    public var layers: [DenseLayer]

    public var inputSize: Int { layers[0].inputs }
    public var depth: Int { layers.count - 1 }
    public var width: Int { depth == 0 ? 0 : layers[0].outputs }
    public var classes: Int { layers[layers.count - 1].outputs }
    /// The size of the penultimate representation, the features a frozen transfer reads.
    public var featureSize: Int { layers[layers.count - 1].inputs }
    /// Layer sizes from input to logits.
    var sizes: [Int] { [inputSize] + layers.map(\.outputs) }

    public init(layers: [DenseLayer]) {
        precondition(!layers.isEmpty)
        for (a, b) in zip(layers, layers.dropFirst()) { precondition(a.outputs == b.inputs) }
        self.layers = layers
    }

    /// He (Kaiming) normal initialisation, N(0, 2/fan_in), for the ReLU layers and N(0, 1/fan_in)
    /// for the linear head (no ReLU follows it); biases zero. Normals come from SplitMix64 through
    /// Box–Muller, so a seed fixes the weights on every machine.
    public init(inputSize: Int, width: Int, depth: Int, classes: Int, seed: UInt64) {
        precondition(inputSize > 0 && classes > 0 && depth >= 0 && (depth == 0 || width > 0))
        var normal = GaussianSampler(seed: Seeds.mix(seed, Seeds.initialisation))
        var layers: [DenseLayer] = []
        var fanIn = inputSize
        for l in 0...depth {
            let isHead = l == depth
            let outputs = isHead ? classes : width
            layers.append(Self.randomLayer(inputs: fanIn, outputs: outputs, gain: isHead ? 1 : 2, normal: &normal))
            fanIn = outputs
        }
        self.init(layers: layers)
    }

    static func randomLayer(inputs: Int, outputs: Int, gain: Double, normal: inout GaussianSampler) -> DenseLayer {
        let std = (gain / Double(inputs)).squareRoot()
        let weight = (0..<(inputs * outputs)).map { _ in Float(normal.next() * std) }
        return DenseLayer(inputs: inputs, outputs: outputs, weight: weight, bias: [Float](repeating: 0, count: outputs))
    }

    /// This network with its head replaced by a freshly initialised one for `classes` outputs.
    public func withNewHead(classes: Int, seed: UInt64) -> MLP {
        var normal = GaussianSampler(seed: Seeds.mix(seed, Seeds.head))
        var copy = self
        copy.layers[layers.count - 1] = Self.randomLayer(inputs: featureSize, outputs: classes, gain: 1, normal: &normal)
        return copy
    }

    /// The mean softmax cross-entropy over `labels` and its gradient for every parameter,
    /// by backpropagation. `inputs` holds labels.count rows of `inputSize` values.
    public func lossAndGradients(inputs: [Float], labels: [Int32]) -> (loss: Double, gradients: [DenseLayer]) {
        precondition(inputs.count == labels.count * inputSize)
        let ws = BatchWorkspace(sizes: sizes, capacity: labels.count)
        ws.load(inputs)
        ws.forward(self, count: labels.count)
        let (loss, _) = labels.withUnsafeBufferPointer { ws.softmaxCrossEntropy(count: labels.count, labels: $0.baseAddress!) }
        ws.backward(self, count: labels.count)
        return (loss / Double(labels.count), ws.gradientLayers())
    }

    /// The mean softmax cross-entropy over `labels`.
    public func loss(inputs: [Float], labels: [Int32]) -> Double {
        evaluate(LabelledRows(pixels: inputs, dimension: inputSize, labels: labels)).loss
    }
}
