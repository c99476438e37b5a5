import XGraphCore

/// The downstream data, disjoint from pretraining (which draws only from the training split):
/// Fashion-MNIST's 10 000 test images, shuffled once by a fixed seed; the first 5 000 are
/// transfer-train, the other 5 000 transfer-eval. The seed is a constant, not a parameter, so
/// every transfer node of every study sees the same split.
public enum TransferSplit {
    public static let trainCount = 5000

    /// Test-split row numbers of (transfer-train, transfer-eval).
    public static func rows(testCount: Int) -> (train: [Int32], eval: [Int32]) {
        var order = (0..<Int32(testCount)).map { $0 }
        var rng = SplitMix64(seed: Seeds.transferSplit)
        Trainer.fisherYates(&order, using: &rng)
        let cut = min(trainCount, testCount / 2)
        return (Array(order[..<cut]), Array(order[cut...]))
    }
}
