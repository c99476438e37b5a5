import COpenBLAS
import XGraphCore

/// Measurements for `make bench`, through the trainer's own code path.
public enum TrainerBenchmark {
    /// GFLOP/s of an n×n×n single-precision sgemm (one thread, as the trainer runs it): the
    /// best of `repeats` timed runs after one warm-up.
    public static func sgemmGFLOPS(n: Int, repeats: Int) -> Double {
        bestGFLOPS(of: [(false, false, n, n, n)], repeats: repeats)
    }

    /// One epoch of training an MLP (784 → depth×width → 10) on `examples` synthetic images
    /// with the trainer's loop: (examples per second, sgemm GFLOP/s over the loop).
    public static func trainingThroughput(width: Int, depth: Int, batchSize: Int, examples: Int) -> (examplesPerSecond: Double, gflops: Double) {
        var rng = SplitMix64(seed: 2)
        let pixels = (0..<(examples * 784)).map { _ in Float(rng.nextUnit()) }
        let labels = (0..<examples).map { _ in Int32(rng.next(below: 10)) }
        var model = MLP(inputSize: 784, width: width, depth: depth, classes: 10, seed: 3)
        let config = TrainingConfig(epochs: 1, batchSize: batchSize, learningRate: 0.01)
        let report = Trainer.train(&model, on: LabelledRows(pixels: pixels, dimension: 784, labels: labels), config: config)
        return (report.examplesPerSecond, report.gflops)
    }

    /// One epoch of training a CNN (1×28×28 → conv `channels` → dense `hidden` → 10) on
    /// `examples` synthetic images: (examples per second, sgemm GFLOP/s over the loop).
    public static func cnnTrainingThroughput(channels: [Int], hidden: [Int] = [], batchSize: Int, examples: Int)
        -> (examplesPerSecond: Double, gflops: Double) {
        var rng = SplitMix64(seed: 2)
        let pixels = (0..<(examples * 784)).map { _ in Float(rng.nextUnit()) }
        let labels = (0..<examples).map { _ in Int32(rng.next(below: 10)) }
        var model = Network.random(capacity: .cnn(channels: channels, hidden: hidden), inputSize: 784, classes: 10, seed: 3)
        let config = TrainingConfig(epochs: 1, batchSize: batchSize, learningRate: 0.01)
        let report = Trainer.train(&model, on: LabelledRows(pixels: pixels, dimension: 784, labels: labels), config: config)
        return (report.examplesPerSecond, report.gflops)
    }

    /// The ceiling of any im2col + sgemm CNN: GFLOP/s of the very sgemm calls one training
    /// batch of the CNN makes (each conv layer's forward, filter-gradient and, above the first
    /// layer, input-gradient product, and the same three for each dense layer), on buffers of
    /// their sizes, with nothing else in between. The narrow shapes of small CNNs (k = 9 in the
    /// first layer, n = 8 or 16 channels) keep sgemm itself well below its 1024³ speed, so this
    /// is the figure the trainer's own share is bounded by.
    public static func cnnSGEMMShapesGFLOPS(channels: [Int], hidden: [Int] = [], batchSize: Int, repeats: Int) -> Double {
        var shapes: [GEMMShape] = []
        var side = 28, inputs = 1
        for (l, outputs) in channels.enumerated() {
            let rows = batchSize * side * side, fanIn = 9 * inputs
            shapes.append((false, true, rows, outputs, fanIn))
            shapes.append((true, false, outputs, fanIn, rows))
            if l > 0 { shapes.append((false, false, rows, fanIn, outputs)) }
            side /= 2
            inputs = outputs
        }
        let sizes = [side * side * inputs] + hidden + [10]
        for (i, o) in zip(sizes, sizes.dropFirst()) {
            shapes.append((false, true, batchSize, o, i))
            shapes.append((true, false, o, i, batchSize))
            shapes.append((false, false, batchSize, i, o))
        }
        return bestGFLOPS(of: shapes, repeats: repeats)
    }

    /// One sgemm call's shape: C[m, n] = op(A)[m, k] · op(B)[k, n].
    typealias GEMMShape = (transA: Bool, transB: Bool, m: Int, n: Int, k: Int)

    /// GFLOP/s of the sgemm calls `shapes`, back to back on random buffers large enough for each:
    /// the best of `repeats` timed runs after one warm-up.
    private static func bestGFLOPS(of shapes: [GEMMShape], repeats: Int) -> Double {
        _ = GEMM.pinThreads
        let largest = shapes.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max() ?? 1
        var rng = SplitMix64(seed: 1)
        let a = (0..<largest).map { _ in Float(rng.nextUnit()) - 0.5 }
        let b = (0..<largest).map { _ in Float(rng.nextUnit()) - 0.5 }
        var c = [Float](repeating: 0, count: largest)
        let clock = ContinuousClock()
        var best = Double.infinity, flops = 0.0
        for run in 0...max(1, repeats) {
            flops = 0
            let start = clock.now
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        for s in shapes {
                            flops += GEMM.multiply(a.baseAddress!, transposed: s.transA, lda: s.transA ? s.m : s.k,
                                                   b.baseAddress!, transposed: s.transB, ldb: s.transB ? s.k : s.n,
                                                   into: c.baseAddress!, ldc: s.n, beta: 0, m: s.m, n: s.n, k: s.k)
                        }
                    }
                }
            }
            let t = seconds(clock.now - start)
            if run > 0 { best = min(best, t) }
        }
        return flops / best / 1e9
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
