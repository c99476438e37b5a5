/// Stochastic gradient descent with heavy-ball momentum, as PyTorch's `torch.optim.SGD`
/// computes it (v ← μ·v + g; w ← w − lr·v), with L2 weight decay added to the gradient of
/// the weight matrices only: decaying biases only restricts them and buys no regularisation.
struct SGD {
    let momentum: Float
    let weightDecay: Float
    private var weightVelocity: [[Float]]
    private var biasVelocity: [[Float]]

    init(model: MLP, momentum: Double, weightDecay: Double) {
        self.momentum = Float(momentum)
        self.weightDecay = Float(weightDecay)
        weightVelocity = model.layers.map { [Float](repeating: 0, count: $0.weight.count) }
        biasVelocity = model.layers.map { [Float](repeating: 0, count: $0.bias.count) }
    }

    /// Applies one update to layers `from...` with the gradients in `ws`.
    mutating func step(_ model: inout MLP, gradients ws: BatchWorkspace, rate: Double, from lowest: Int = 0) {
        let lr = Float(rate)
        let mu = momentum
        let wd = weightDecay
        for l in lowest..<model.layers.count {
            let g = ws.weightGradients[l]
            model.layers[l].weight.withUnsafeMutableBufferPointer { w in
                weightVelocity[l].withUnsafeMutableBufferPointer { v in
                    for i in 0..<w.count {
                        v[i] = mu * v[i] + (g[i] + wd * w[i])
                        w[i] -= lr * v[i]
                    }
                }
            }
            let gb = ws.biasGradients[l]
            model.layers[l].bias.withUnsafeMutableBufferPointer { b in
                biasVelocity[l].withUnsafeMutableBufferPointer { v in
                    for i in 0..<b.count {
                        v[i] = mu * v[i] + gb[i]
                        b[i] -= lr * v[i]
                    }
                }
            }
        }
    }
}

/// The same update for conv layers (weight decay on the filters, not the biases).
struct ConvSGD {
    let momentum: Float
    let weightDecay: Float
    private var weightVelocity: [[Float]]
    private var biasVelocity: [[Float]]

    init(convs: [ConvLayer], momentum: Double, weightDecay: Double) {
        self.momentum = Float(momentum)
        self.weightDecay = Float(weightDecay)
        weightVelocity = convs.map { [Float](repeating: 0, count: $0.weight.count) }
        biasVelocity = convs.map { [Float](repeating: 0, count: $0.bias.count) }
    }

    mutating func step(_ convs: inout [ConvLayer], gradients ws: ConvWorkspace, rate: Double, from lowest: Int = 0) {
        let lr = Float(rate)
        let mu = momentum
        let wd = weightDecay
        for l in lowest..<convs.count {
            let g = ws.weightGradients[l]
            convs[l].weight.withUnsafeMutableBufferPointer { w in
                weightVelocity[l].withUnsafeMutableBufferPointer { v in
                    for i in 0..<w.count {
                        v[i] = mu * v[i] + (g[i] + wd * w[i])
                        w[i] -= lr * v[i]
                    }
                }
            }
            let gb = ws.biasGradients[l]
            convs[l].bias.withUnsafeMutableBufferPointer { b in
                biasVelocity[l].withUnsafeMutableBufferPointer { v in
                    for i in 0..<b.count {
                        v[i] = mu * v[i] + gb[i]
                        b[i] -= lr * v[i]
                    }
                }
            }
        }
    }
}
