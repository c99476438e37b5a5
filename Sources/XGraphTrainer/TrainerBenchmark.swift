import COpenBLAS
import XGraphCore

/// Measurements for `make bench`, through the trainer's own code path.
public enum TrainerBenchmark {
    /// GFLOP/s of an n×n×n single-precision sgemm (one thread, as the trainer runs it): the
    /// best of `repeats` timed runs after one warm-up.
    public static func sgemmGFLOPS(n: Int, repeats: Int) -> Double {
        _ = GEMM.pinThreads
        var rng = SplitMix64(seed: 1)
        let a = (0..<(n * n)).map { _ in Float(rng.nextUnit()) - 0.5 }
        let b = (0..<(n * n)).map { _ in Float(rng.nextUnit()) - 0.5 }
        var c = [Float](repeating: 0, count: n * n)
        let clock = ContinuousClock()
        var best = Double.infinity
        for run in 0...max(1, repeats) {
            let start = clock.now
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        _ = GEMM.multiply(a.baseAddress!, transposed: false, lda: n, b.baseAddress!, transposed: false, ldb: n,
                                          into: c.baseAddress!, ldc: n, beta: 0, m: n, n: n, k: n)
                    }
                }
            }
            let t = seconds(clock.now - start)
            if run > 0 { best = min(best, t) }
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
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

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
