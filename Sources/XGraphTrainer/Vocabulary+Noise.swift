import XGraphCore

extension Vocabulary {
    /// The class an item of class `clean` carries after label noise at `rate`, drawn in this
    /// vocabulary: with probability `rate` a uniformly chosen *different* label of it (never an
    /// excluded class), and for a coarse label a uniformly chosen included class of that group.
    /// With fine labels this is exactly the draw of builtin version 3, so fine-label subsets are
    /// unchanged. Depends on (seed, item) only: an item keeps its label in every subset.
    func noisyClass(of clean: UInt8, item: Int, rate: Double, seed: UInt64) -> UInt8 {
        guard let group = label(ofFine: clean) else { return clean }
        let noisyGroup = Int32(SubsetDraw.noisyLabel(item: item, label: UInt8(group), classes: count, rate: rate, seed: seed))
        guard noisyGroup != group else { return clean }
        let members = classes.filter { label(ofFine: $0) == noisyGroup }
        guard !members.isEmpty else { return clean }
        return members[SubsetDraw.memberOfGroup(item: item, count: members.count, seed: seed)]
    }
}
