import XGraphCore

/// Random subsets of a data set's items and their label noise, as the data-scaling studies
/// draw them: a smaller nested subset is always part of a larger one with the same seed.
public enum SubsetDraw {
    /// `size` distinct item numbers from 0..<items, sorted.
    ///
    /// Nested: the first `size` entries of one permutation of 0..<items per seed (forward
    /// Fisher–Yates driven by SplitMix64), so every smaller size is a prefix of the same
    /// permutation and thus a subset. Only the first `size` positions are materialised, which
    /// keeps a draw from a 300M-item folder cheap. Non-nested: the size is mixed into the seed,
    /// so each size gets an independent draw.
    public static func indices(items: Int, size: Int, seed: UInt64, nested: Bool) -> [UInt32] {
        precondition(size >= 0 && size <= items && items <= Int(UInt32.max) + 1)
        let streamSeed = nested ? Seeds.mix(seed, Seeds.subsetSize) : Seeds.mix(Seeds.mix(seed, Seeds.subsetSize), UInt64(size))
        var rng = SplitMix64(seed: streamSeed)
        var displaced: [Int: Int] = [:]  // position → value, for positions a swap has touched
        var picked: [UInt32] = []
        picked.reserveCapacity(size)
        for i in 0..<size {
            let j = i + Int(rng.next(below: UInt64(items - i)))
            let atI = displaced[i] ?? i
            let atJ = displaced[j] ?? j
            displaced[j] = atI
            displaced[i] = nil  // position i is final and never read again
            picked.append(UInt32(atJ))
        }
        return picked.sorted()
    }

    /// The label an item carries after noise at `rate`: with probability `rate` a uniformly
    /// chosen *different* class. The choice depends on (seed, item) only, so an item keeps its
    /// noisy label in every subset that contains it.
    public static func noisyLabel(item: Int, label: UInt8, classes: Int, rate: Double, seed: UInt64) -> UInt8 {
        guard rate > 0, classes > 1 else { return label }
        var rng = SplitMix64(seed: Seeds.mix(Seeds.mix(seed, Seeds.labelNoise), UInt64(item)))
        guard rng.nextUnit() < rate else { return label }
        let shift = 1 + Int(rng.next(below: UInt64(classes - 1)))
        return UInt8((Int(label) + shift) % classes)
    }

    /// Which of `count` fine classes a coarse flip lands on: `noisyLabel` picks the wrong coarse
    /// group, this picks a class inside it, uniformly, again from (seed, item) alone (a stream of
    /// its own, so adding it left the group draw as it was).
    public static func memberOfGroup(item: Int, count: Int, seed: UInt64) -> Int {
        guard count > 1 else { return 0 }
        var rng = SplitMix64(seed: Seeds.mix(Seeds.mix(seed, Seeds.noiseMember), UInt64(item)))
        return Int(rng.next(below: UInt64(count)))
    }
}
