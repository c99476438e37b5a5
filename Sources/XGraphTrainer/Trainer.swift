import XGraphCore

/// How long and how a model is trained.
public struct TrainingConfig: Sendable, Equatable {
    /// Passes over the data; the run is lengthened to whole epochs covering `minSteps`.
    public var epochs: Int
    /// A floor on optimisation steps, so that a small subset is not under-trained: with 1 000
    /// examples and batch 128, 10 epochs are only 80 steps.
    public var minSteps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    public var schedule: LearningRateSchedule.Kind
    public var warmupSteps: Int
    public var seed: UInt64
    /// Layers below this index keep their weights (0 trains everything).
    public var firstTrainedLayer: Int

    public init(epochs: Int = 10, minSteps: Int = 0, batchSize: Int = 128, learningRate: Double = 0.05,
                momentum: Double = 0.9, weightDecay: Double = 5e-4, schedule: LearningRateSchedule.Kind = .cosine,
                warmupSteps: Int = 0, seed: UInt64 = 0, firstTrainedLayer: Int = 0) {
        self.epochs = epochs
        self.minSteps = minSteps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.warmupSteps = warmupSteps
        self.seed = seed
        self.firstTrainedLayer = firstTrainedLayer
    }
}

/// What a training run did.
public struct TrainingReport: Sendable, Equatable {
    public var epochs: Int
    public var steps: Int
    /// Mean training loss over each epoch's mini-batches (weights changing within the epoch).
    public var lossPerEpoch: [Double]
    /// Training accuracy over each epoch's mini-batches.
    public var accuracyPerEpoch: [Double]
    public var examplesSeen: Int
    /// Wall time of the training loop (gathering, sgemm, softmax, updates; no data loading).
    public var seconds: Double
    /// FLOPs issued to sgemm in the loop.
    public var sgemmFLOPs: Double

    public var finalLoss: Double { lossPerEpoch.last ?? .nan }
    public var examplesPerSecond: Double { seconds > 0 ? Double(examplesSeen) / seconds : 0 }
    public var gflops: Double { seconds > 0 ? sgemmFLOPs / seconds / 1e9 : 0 }
}

public enum Trainer {
    /// The number of epochs a run will take: `epochs`, raised to cover `minSteps`.
    public static func plannedEpochs(examples: Int, config: TrainingConfig) -> Int {
        let stepsPerEpoch = (examples + config.batchSize - 1) / config.batchSize
        guard stepsPerEpoch > 0 else { return 0 }
        return max(config.epochs, (config.minSteps + stepsPerEpoch - 1) / stepsPerEpoch)
    }

    /// Mini-batch SGD on `data`, reshuffled each epoch by SplitMix64 seeded from (seed, epoch),
    /// so the run is a function of the model, the data and the config.
    public static func train(_ model: inout MLP, on data: LabelledRows, config: TrainingConfig,
                             log: (String) -> Void = { _ in }) -> TrainingReport {
        _ = GEMM.pinThreads
        precondition(data.dimension == model.inputSize && config.batchSize > 0)
        precondition(config.firstTrainedLayer < model.layers.count)
        let n = data.count
        let epochs = plannedEpochs(examples: n, config: config)
        let stepsPerEpoch = (n + config.batchSize - 1) / config.batchSize
        let schedule = LearningRateSchedule(kind: config.schedule, baseRate: config.learningRate,
                                            totalSteps: epochs * stepsPerEpoch, warmupSteps: config.warmupSteps)
        let ws = BatchWorkspace(sizes: model.sizes, capacity: max(1, min(config.batchSize, n)))
        var optimiser = SGD(model: model, momentum: config.momentum, weightDecay: config.weightDecay)
        var order = Array(0..<n)
        var batchRows = [Int32](repeating: 0, count: ws.capacity)
        var batchLabels = [Int32](repeating: 0, count: ws.capacity)
        var report = TrainingReport(epochs: epochs, steps: 0, lossPerEpoch: [], accuracyPerEpoch: [],
                                    examplesSeen: 0, seconds: 0, sgemmFLOPs: 0)
        let clock = ContinuousClock()
        let start = clock.now
        data.pixels.withUnsafeBufferPointer { base in
            for epoch in 0..<epochs {
                var shuffler = SplitMix64(seed: Seeds.mix(Seeds.mix(config.seed, Seeds.shuffle), UInt64(epoch)))
                fisherYates(&order, using: &shuffler)
                var lossSum = 0.0
                var correct = 0
                var first = 0
                while first < n {
                    let count = min(config.batchSize, n - first)
                    for i in 0..<count {
                        batchRows[i] = data.rows[order[first + i]]
                        batchLabels[i] = data.labels[order[first + i]]
                    }
                    ws.gather(from: base.baseAddress!, rows: batchRows[0..<count])
                    ws.forward(model, count: count)
                    let r = batchLabels.withUnsafeBufferPointer { ws.softmaxCrossEntropy(count: count, labels: $0.baseAddress!) }
                    ws.backward(model, count: count, from: config.firstTrainedLayer)
                    optimiser.step(&model, gradients: ws, rate: schedule.rate(at: report.steps), from: config.firstTrainedLayer)
                    lossSum += r.lossSum
                    correct += r.correct
                    report.steps += 1
                    first += count
                }
                report.examplesSeen += n
                report.lossPerEpoch.append(lossSum / Double(n))
                report.accuracyPerEpoch.append(Double(correct) / Double(n))
                log("epoch \(epoch + 1)/\(epochs): loss \(formatMetric(lossSum / Double(n))), accuracy \(formatMetric(Double(correct) / Double(n)))")
            }
        }
        let elapsed = clock.now - start
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        report.sgemmFLOPs = ws.flops
        return report
    }

    /// Forward Fisher–Yates: position i takes a uniform pick from i..<n.
    static func fisherYates<T>(_ a: inout [T], using rng: inout SplitMix64) {
        guard a.count > 1 else { return }
        for i in 0..<(a.count - 1) {
            let j = i + Int(rng.next(below: UInt64(a.count - i)))
            a.swapAt(i, j)
        }
    }
}

func formatMetric(_ x: Double) -> String {
    let scaled = (x * 10_000).rounded() / 10_000
    return "\(scaled)"
}
