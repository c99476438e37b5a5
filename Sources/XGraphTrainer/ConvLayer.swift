/// One 3×3 convolution (padding 1, stride 1), stored as PyTorch's `nn.Conv2d` stores it:
/// `weight` is [outputs, inputs, 3, 3] row-major (row o of the [outputs, inputs·9] matrix is
/// output channel o's filter), whatever order the convolution uses internally.
/// Every conv layer is followed by ReLU and 2×2 max pooling (floor), as in the CNN's definition.
public struct ConvLayer: Sendable, Equatable {
    public static let kernel = 3
    public static let taps = kernel * kernel

    public var inputs: Int
    public var outputs: Int
    public var weight: [Float]
    public var bias: [Float]

    public init(inputs: Int, outputs: Int, weight: [Float], bias: [Float]) {
        precondition(inputs > 0 && outputs > 0 && weight.count == outputs * inputs * Self.taps && bias.count == outputs)
        self.inputs = inputs
        self.outputs = outputs
        self.weight = weight
        self.bias = bias
    }

    /// The width of one im2col row: the filter's fan-in.
    var fanIn: Int { inputs * Self.taps }

    /// He normal N(0, 2/fan_in), zero bias: a ReLU follows every conv layer.
    static func random(inputs: Int, outputs: Int, normal: inout GaussianSampler) -> ConvLayer {
        let std = (2 / Double(inputs * taps)).squareRoot()
        let weight = (0..<(outputs * inputs * taps)).map { _ in Float(normal.next() * std) }
        return ConvLayer(inputs: inputs, outputs: outputs, weight: weight, bias: [Float](repeating: 0, count: outputs))
    }
}
