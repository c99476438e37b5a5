/// Accuracy and mean cross-entropy of a classifier on labelled examples.
public struct Evaluation: Sendable, Equatable {
    public var accuracy: Double
    public var loss: Double
    public var count: Int
}

extension MLP {
    public func evaluate(_ data: LabelledRows, batchSize: Int = 1000) -> Evaluation {
        _ = GEMM.pinThreads
        precondition(data.dimension == inputSize)
        guard data.count > 0 else { return Evaluation(accuracy: 0, loss: 0, count: 0) }
        let ws = BatchWorkspace(sizes: sizes, capacity: min(batchSize, data.count))
        var lossSum = 0.0
        var correct = 0
        data.pixels.withUnsafeBufferPointer { base in
            data.labels.withUnsafeBufferPointer { labels in
                var start = 0
                while start < data.count {
                    let end = min(start + ws.capacity, data.count)
                    ws.gather(from: base.baseAddress!, rows: data.rows[start..<end])
                    ws.forward(self, count: end - start)
                    let r = ws.softmaxCrossEntropy(count: end - start, labels: labels.baseAddress! + start)
                    lossSum += r.lossSum
                    correct += r.correct
                    start = end
                }
            }
        }
        return Evaluation(accuracy: Double(correct) / Double(data.count), loss: lossSum / Double(data.count), count: data.count)
    }

    /// The penultimate activations (the input of the head) of each example, row-major.
    public func features(of data: LabelledRows, batchSize: Int = 1000) -> [Float] {
        _ = GEMM.pinThreads
        precondition(data.dimension == inputSize)
        var backbone = self
        backbone.layers.removeLast()
        let d = featureSize
        var out = [Float](repeating: 0, count: data.count * d)
        if backbone.layers.isEmpty {
            data.pixels.withUnsafeBufferPointer { base in
                out.withUnsafeMutableBufferPointer { o in
                    for (i, r) in data.rows.enumerated() {
                        (o.baseAddress! + i * d).update(from: base.baseAddress! + Int(r) * d, count: d)
                    }
                }
            }
            return out
        }
        let ws = BatchWorkspace(sizes: backbone.sizes, capacity: max(1, min(batchSize, data.count)))
        data.pixels.withUnsafeBufferPointer { base in
            out.withUnsafeMutableBufferPointer { o in
                var start = 0
                while start < data.count {
                    let end = min(start + ws.capacity, data.count)
                    ws.gather(from: base.baseAddress!, rows: data.rows[start..<end])
                    ws.forward(backbone, count: end - start, reluAfterLast: true)
                    (o.baseAddress! + start * d).update(from: ws.logits, count: (end - start) * d)
                    start = end
                }
            }
        }
        return out
    }
}
