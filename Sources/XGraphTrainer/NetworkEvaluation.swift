extension Network {
    /// A CNN's im2col matrices grow with the batch (a [32, 64] net needs 0.9 MB per image), so
    /// it evaluates in smaller batches than an MLP; batching does not change the results.
    static let convBatchSize = 256

    public func evaluate(_ data: LabelledRows) -> Evaluation {
        guard !convs.isEmpty else { return dense.evaluate(data) }
        _ = GEMM.pinThreads
        precondition(data.dimension == inputSize)
        guard data.count > 0 else { return Evaluation(accuracy: 0, loss: 0, count: 0) }
        let ws = ConvWorkspace(side: side, convs: convs, denseSizes: dense.sizes, capacity: min(Self.convBatchSize, data.count))
        var lossSum = 0.0
        var correct = 0
        data.labels.withUnsafeBufferPointer { labels in
            data.forEachBatch(of: ws.capacity) { base, batch in
                ws.gather(from: base, rows: data.rows[batch])
                ws.forwardConvs(convs, count: batch.count)
                ws.dense.forward(dense, count: batch.count)
                let r = ws.dense.softmaxCrossEntropy(count: batch.count, labels: labels.baseAddress! + batch.lowerBound)
                lossSum += r.lossSum
                correct += r.correct
            }
        }
        return Evaluation(accuracy: Double(correct) / Double(data.count), loss: lossSum / Double(data.count), count: data.count)
    }

    /// The penultimate activations (post-ReLU, what the head reads) of each example, row-major.
    public func features(of data: LabelledRows) -> [Float] {
        guard !convs.isEmpty else { return dense.features(of: data) }
        _ = GEMM.pinThreads
        precondition(data.dimension == inputSize)
        let backbone = dense.layers.count > 1 ? MLP(layers: Array(dense.layers.dropLast())) : nil
        let d = featureSize
        var out = [Float](repeating: 0, count: data.count * d)
        let ws = ConvWorkspace(side: side, convs: convs, denseSizes: backbone?.sizes ?? [d],
                               capacity: max(1, min(Self.convBatchSize, data.count)))
        out.withUnsafeMutableBufferPointer { o in
            data.forEachBatch(of: ws.capacity) { base, batch in
                ws.gather(from: base, rows: data.rows[batch])
                ws.forwardConvs(convs, count: batch.count)
                if let backbone { ws.dense.forward(backbone, count: batch.count, reluAfterLast: true) }
                (o.baseAddress! + batch.lowerBound * d).update(from: ws.dense.logits, count: batch.count * d)
            }
        }
        return out
    }

    /// The gradients of the mean softmax cross-entropy, for checks against finite differences.
    public struct Gradients: Sendable {
        public var convs: [ConvLayer]
        public var dense: [DenseLayer]
        /// ∂loss/∂inputs, the same shape as the inputs.
        public var inputs: [Float]
    }

    /// The mean softmax cross-entropy over `labels` and its gradient for every parameter and
    /// the inputs, by backpropagation. `inputs` holds labels.count rows of `inputSize` values.
    public func lossAndGradients(inputs: [Float], labels: [Int32]) -> (loss: Double, gradients: Gradients) {
        precondition(!convs.isEmpty && inputs.count == labels.count * inputSize)
        let count = labels.count
        let ws = ConvWorkspace(side: side, convs: convs, denseSizes: dense.sizes, capacity: count)
        inputs.withUnsafeBufferPointer { ws.images.update(from: $0.baseAddress!, count: inputs.count) }
        ws.forwardConvs(convs, count: count)
        ws.dense.forward(dense, count: count)
        let (loss, _) = labels.withUnsafeBufferPointer { ws.dense.softmaxCrossEntropy(count: count, labels: $0.baseAddress!) }
        ws.dense.backward(dense, count: count, inputGradient: true)
        ws.backwardConvs(convs, count: count, from: 0, imageGradient: true)
        let convGradients = convs.enumerated().map { l, layer in
            ConvLayer(inputs: layer.inputs, outputs: layer.outputs,
                      weight: Array(UnsafeBufferPointer(start: ws.weightGradients[l], count: layer.weight.count)),
                      bias: Array(UnsafeBufferPointer(start: ws.biasGradients[l], count: layer.outputs)))
        }
        let gradients = Gradients(convs: convGradients, dense: ws.dense.gradientLayers(),
                                  inputs: Array(UnsafeBufferPointer(start: ws.imageGradient, count: inputs.count)))
        return (loss / Double(count), gradients)
    }
}
