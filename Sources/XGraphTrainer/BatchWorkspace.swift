import Foundation

/// The buffers of one mini-batch pass through an MLP, allocated once per run so the training
/// loop allocates nothing: activations per layer (post-ReLU), the loss gradient with respect
/// to each layer's pre-activation (`deltas`), and the parameter gradients.
final class BatchWorkspace {
    let sizes: [Int]
    let capacity: Int
    /// activations[0] is the input batch; activations[l + 1] the output of layer l.
    private(set) var activations: [UnsafeMutablePointer<Float>]
    /// deltas[l + 1] is ∂loss/∂(pre-activation of layer l); deltas[0] is unused.
    private var deltas: [UnsafeMutablePointer<Float>]
    private(set) var weightGradients: [UnsafeMutablePointer<Float>]
    private(set) var biasGradients: [UnsafeMutablePointer<Float>]
    /// FLOPs issued to sgemm so far.
    var flops: Double = 0

    init(sizes: [Int], capacity: Int) {
        self.sizes = sizes
        self.capacity = capacity
        activations = sizes.map { .allocate(capacity: capacity * $0) }
        deltas = sizes.map { .allocate(capacity: capacity * $0) }
        weightGradients = zip(sizes, sizes.dropFirst()).map { .allocate(capacity: $0 * $1) }
        biasGradients = sizes.dropFirst().map { .allocate(capacity: $0) }
    }

    deinit {
        for p in activations + deltas + weightGradients + biasGradients { p.deallocate() }
    }

    var input: UnsafeMutablePointer<Float> { activations[0] }
    var logits: UnsafeMutablePointer<Float> { activations[sizes.count - 1] }
    /// ∂loss/∂input after `backward(..., inputGradient: true)`.
    var inputDeltas: UnsafeMutablePointer<Float> { deltas[0] }

    /// Copies whole rows into the input buffer.
    func load(_ rows: [Float]) {
        precondition(rows.count <= capacity * sizes[0])
        rows.withUnsafeBufferPointer { input.update(from: $0.baseAddress!, count: rows.count) }
    }

    /// Copies the selected rows of a row-major matrix into the input buffer.
    func gather(from base: UnsafePointer<Float>, rows: some Collection<Int32>) {
        let d = sizes[0]
        var dst = input
        for r in rows {
            dst.update(from: base + Int(r) * d, count: d)
            dst += d
        }
    }

    /// Runs the layers; ReLU follows every layer but the last unless `reluAfterLast`
    /// (set when `model` is a backbone whose last layer is a hidden one).
    func forward(_ model: MLP, count: Int, reluAfterLast: Bool = false) {
        let last = reluAfterLast ? model.layers.count : model.layers.count - 1
        for (l, layer) in model.layers.enumerated() {
            let out = activations[l + 1]
            let n = layer.outputs
            layer.bias.withUnsafeBufferPointer { b in
                for i in 0..<count { (out + i * n).update(from: b.baseAddress!, count: n) }
            }
            flops += layer.weight.withUnsafeBufferPointer { w in
                GEMM.multiply(activations[l], transposed: false, lda: layer.inputs,
                              w.baseAddress!, transposed: true, ldb: layer.inputs,
                              into: out, ldc: n, beta: 1, m: count, n: n, k: layer.inputs)
            }
            if l < last {
                for i in 0..<(count * n) where out[i] < 0 { out[i] = 0 }
            }
        }
    }

    /// Softmax cross-entropy of the logits against `labels`: returns the summed loss and the
    /// number of correct arg-max predictions, and leaves ∂(mean loss)/∂logits in the deltas.
    func softmaxCrossEntropy(count: Int, labels: UnsafePointer<Int32>) -> (lossSum: Double, correct: Int) {
        let k = sizes[sizes.count - 1]
        let z = logits
        let g = deltas[sizes.count - 1]
        let scale = 1 / Float(count)
        var lossSum = 0.0
        var correct = 0
        for i in 0..<count {
            let row = z + i * k
            let grad = g + i * k
            var best = 0
            var maxValue = row[0]
            for j in 1..<max(k, 1) where row[j] > maxValue { maxValue = row[j]; best = j }
            var sum: Float = 0
            for j in 0..<k {
                let e = expf(row[j] - maxValue)
                grad[j] = e
                sum += e
            }
            let y = Int(labels[i])
            lossSum += Double(logf(sum) - (row[y] - maxValue))
            let inv = scale / sum
            for j in 0..<k { grad[j] *= inv }
            grad[y] -= scale
            if best == y { correct += 1 }
        }
        return (lossSum, correct)
    }

    /// Backpropagates the deltas left by `softmaxCrossEntropy`, filling the parameter
    /// gradients of layers `from...` (lower layers are neither differentiated nor touched).
    /// With `inputGradient`, also leaves ∂loss/∂input in `inputDeltas` (no ReLU mask: the
    /// input is whatever feeds the MLP, a CNN's pooled maps).
    func backward(_ model: MLP, count: Int, from lowest: Int = 0, inputGradient: Bool = false) {
        for l in stride(from: model.layers.count - 1, through: lowest, by: -1) {
            let layer = model.layers[l]
            let dz = deltas[l + 1]
            let n = layer.outputs
            flops += GEMM.multiply(dz, transposed: true, lda: n,
                                   activations[l], transposed: false, ldb: layer.inputs,
                                   into: weightGradients[l], ldc: layer.inputs, beta: 0,
                                   m: n, n: layer.inputs, k: count)
            let db = biasGradients[l]
            db.update(repeating: 0, count: n)
            for i in 0..<count {
                let row = dz + i * n
                for j in 0..<n { db[j] += row[j] }
            }
            if l > lowest || inputGradient {
                let da = deltas[l]
                flops += layer.weight.withUnsafeBufferPointer { w in
                    GEMM.multiply(dz, transposed: false, lda: n,
                                  w.baseAddress!, transposed: false, ldb: layer.inputs,
                                  into: da, ldc: layer.inputs, beta: 0,
                                  m: count, n: layer.inputs, k: n)
                }
                if l > lowest {
                    let a = activations[l]
                    for i in 0..<(count * layer.inputs) where a[i] <= 0 { da[i] = 0 }
                }
            }
        }
    }

    func gradientLayers() -> [DenseLayer] {
        zip(sizes, sizes.dropFirst()).enumerated().map { l, shape in
            DenseLayer(inputs: shape.0, outputs: shape.1,
                       weight: Array(UnsafeBufferPointer(start: weightGradients[l], count: shape.0 * shape.1)),
                       bias: Array(UnsafeBufferPointer(start: biasGradients[l], count: shape.1)))
        }
    }
}
