import XGraphCore

/// k-shot transfer as BiT measures it: many episodes, each a linear classifier trained on k
/// examples of every class (the support set) and scored on the whole evaluation set (the
/// query), reported as mean ± SD over episodes.
public enum FewShot {
    /// The support rows of one episode: `shots` distinct positions of `labels` per class,
    /// drawn by SplitMix64 from (seed, episode), so an episode is the same on every run and
    /// episodes differ from each other. Nil when some class has fewer than `shots` examples.
    public static func support(labels: [Int32], classes: Int, shots: Int, seed: UInt64, episode: Int) -> [Int]? {
        var byClass = [[Int]](repeating: [], count: classes)
        for (i, l) in labels.enumerated() where l >= 0 && Int(l) < classes { byClass[Int(l)].append(i) }
        guard byClass.allSatisfy({ $0.count >= shots }) else { return nil }
        var rng = SplitMix64(seed: Seeds.mix(Seeds.mix(seed, Seeds.episode), UInt64(episode)))
        var picked: [Int] = []
        for var members in byClass {
            // Partial Fisher–Yates: the first `shots` positions are a uniform draw without replacement.
            for i in 0..<shots {
                let j = i + Int(rng.next(below: UInt64(members.count - i)))
                members.swapAt(i, j)
            }
            picked += members[0..<shots]
        }
        return picked.sorted()
    }

    /// Mean, sample standard deviation, minimum and maximum of per-episode figures.
    public static func summary(_ values: [Double]) -> (mean: Double, sd: Double, min: Double, max: Double) {
        guard !values.isEmpty else { return (.nan, .nan, .nan, .nan) }
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let sd = values.count > 1 ? (squares / Double(values.count - 1)).squareRoot() : 0
        return (mean, sd, values.min() ?? .nan, values.max() ?? .nan)
    }
}
