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
    /// Layers below this index keep their weights (0 trains everything); a CNN's conv layers
    /// count first, then its dense layers.
    public var firstTrainedLayer: Int
    /// Exactly this many SGD steps, overriding `epochs` and `minSteps` (the last epoch may be
    /// partial): a schedule in steps gives every subset size the same compute, so a scaling
    /// study's slope measures data, not data and compute together.
    public var steps: Int?

    public init(epochs: Int = 10, minSteps: Int = 0, batchSize: Int = 128, learningRate: Double = 0.05,
                momentum: Double = 0.9, weightDecay: Double = 5e-4, schedule: LearningRateSchedule.Kind = .cosine,
                warmupSteps: Int = 0, seed: UInt64 = 0, firstTrainedLayer: Int = 0, steps: Int? = nil) {
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
        self.steps = steps
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
    /// The number of epochs a run will take: `epochs`, raised to cover `minSteps`; with
    /// `steps`, the epochs (the last one perhaps partial) those steps touch.
    public static func plannedEpochs(examples: Int, config: TrainingConfig) -> Int {
        let stepsPerEpoch = (examples + config.batchSize - 1) / config.batchSize
        guard stepsPerEpoch > 0 else { return 0 }
        if let steps = config.steps { return (steps + stepsPerEpoch - 1) / stepsPerEpoch }
        return max(config.epochs, (config.minSteps + stepsPerEpoch - 1) / stepsPerEpoch)
    }

    /// The SGD steps a run will take.
    public static func plannedSteps(examples: Int, config: TrainingConfig) -> Int {
        let stepsPerEpoch = (examples + config.batchSize - 1) / config.batchSize
        return config.steps ?? plannedEpochs(examples: examples, config: config) * stepsPerEpoch
    }

    /// Mini-batch SGD on `data`, reshuffled each epoch by SplitMix64 seeded from (seed, epoch),
    /// so the run is a function of the model, the data and the config.
    public static func train(_ model: inout MLP, on data: LabelledRows, config: TrainingConfig,
                             log: (String) -> Void = { _ in }) -> TrainingReport {
        _ = GEMM.pinThreads
        precondition(data.dimension == model.inputSize && config.batchSize > 0)
        precondition(config.firstTrainedLayer < model.layers.count)
        let ws = BatchWorkspace(sizes: model.sizes, capacity: max(1, min(config.batchSize, data.count)))
        var optimiser = SGD(model: model, momentum: config.momentum, weightDecay: config.weightDecay)
        var report = loop(on: data, config: config, capacity: ws.capacity, log: log) { base, rows, labels, rate in
            ws.gather(from: base, rows: rows)
            ws.forward(model, count: rows.count)
            let r = ws.softmaxCrossEntropy(count: rows.count, labels: labels)
            ws.backward(model, count: rows.count, from: config.firstTrainedLayer)
            optimiser.step(&model, gradients: ws, rate: rate, from: config.firstTrainedLayer)
            return r
        }
        report.sgemmFLOPs = ws.flops
        return report
    }

    /// Trains every layer from `config.firstTrainedLayer` on, counting conv layers first. A
    /// network without conv layers trains exactly as its MLP does.
    public static func train(_ model: inout Network, on data: LabelledRows, config: TrainingConfig,
                             log: (String) -> Void = { _ in }) -> TrainingReport {
        guard !model.convs.isEmpty else { return train(&model.dense, on: data, config: config, log: log) }
        _ = GEMM.pinThreads
        precondition(data.dimension == model.inputSize && config.batchSize > 0)
        precondition(config.firstTrainedLayer < model.layerCount)
        let convCount = model.convs.count
        let lowestConv = min(config.firstTrainedLayer, convCount)
        let lowestDense = max(0, config.firstTrainedLayer - convCount)
        let ws = ConvWorkspace(side: model.side, convs: model.convs, denseSizes: model.dense.sizes,
                               capacity: max(1, min(config.batchSize, data.count)))
        var optimiser = SGD(model: model.dense, momentum: config.momentum, weightDecay: config.weightDecay)
        var convOptimiser = ConvSGD(convs: model.convs, momentum: config.momentum, weightDecay: config.weightDecay)
        var report = loop(on: data, config: config, capacity: ws.capacity, log: log) { base, rows, labels, rate in
            ws.gather(from: base, rows: rows)
            ws.forwardConvs(model.convs, count: rows.count)
            ws.dense.forward(model.dense, count: rows.count)
            let r = ws.dense.softmaxCrossEntropy(count: rows.count, labels: labels)
            ws.dense.backward(model.dense, count: rows.count, from: lowestDense, inputGradient: lowestConv < convCount)
            if lowestConv < convCount { ws.backwardConvs(model.convs, count: rows.count, from: lowestConv) }
            optimiser.step(&model.dense, gradients: ws.dense, rate: rate, from: lowestDense)
            convOptimiser.step(&model.convs, gradients: ws, rate: rate, from: lowestConv)
            return r
        }
        report.sgemmFLOPs = ws.flops
        return report
    }

    /// The epochs-and-batches loop every model shares: `step` trains on one batch (row numbers
    /// into `data.pixels` and their labels) at a learning rate and returns its summed loss and
    /// correct predictions.
    private static func loop(
        on data: LabelledRows, config: TrainingConfig, capacity: Int, log: (String) -> Void,
        step: (UnsafePointer<Float>, ArraySlice<Int32>, UnsafePointer<Int32>, Double) -> (lossSum: Double, correct: Int)
    ) -> TrainingReport {
        let n = data.count
        let epochs = plannedEpochs(examples: n, config: config)
        let totalSteps = plannedSteps(examples: n, config: config)
        let schedule = LearningRateSchedule(kind: config.schedule, baseRate: config.learningRate,
                                            totalSteps: totalSteps, warmupSteps: config.warmupSteps)
        var order = Array(0..<n)
        var batchRows = [Int32](repeating: 0, count: capacity)
        var batchLabels = [Int32](repeating: 0, count: capacity)
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
                while first < n && report.steps < totalSteps {
                    let count = min(config.batchSize, n - first)
                    for i in 0..<count {
                        batchRows[i] = data.rows[order[first + i]]
                        batchLabels[i] = data.labels[order[first + i]]
                    }
                    let rate = schedule.rate(at: report.steps)
                    let r = batchLabels.withUnsafeBufferPointer { step(base.baseAddress!, batchRows[0..<count], $0.baseAddress!, rate) }
                    lossSum += r.lossSum
                    correct += r.correct
                    report.steps += 1
                    first += count
                }
                // `first` is n except in a partial last epoch (a schedule in `steps`).
                report.examplesSeen += first
                report.lossPerEpoch.append(lossSum / Double(first))
                report.accuracyPerEpoch.append(Double(correct) / Double(first))
                log("epoch \(epoch + 1)/\(epochs): loss \(formatMetric(lossSum / Double(first))), accuracy \(formatMetric(Double(correct) / Double(first)))")
            }
        }
        let elapsed = clock.now - start
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
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
