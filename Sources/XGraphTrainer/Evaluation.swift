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
        data.labels.withUnsafeBufferPointer { labels in
            data.forEachBatch(of: ws.capacity) { base, batch in
                ws.gather(from: base, rows: data.rows[batch])
                ws.forward(self, count: batch.count)
                let r = ws.softmaxCrossEntropy(count: batch.count, labels: labels.baseAddress! + batch.lowerBound)
                lossSum += r.lossSum
                correct += r.correct
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
        out.withUnsafeMutableBufferPointer { o in
            data.forEachBatch(of: ws.capacity) { base, batch in
                ws.gather(from: base, rows: data.rows[batch])
                ws.forward(backbone, count: batch.count, reluAfterLast: true)
                (o.baseAddress! + batch.lowerBound * d).update(from: ws.logits, count: batch.count * d)
            }
        }
        return out
    }
}
