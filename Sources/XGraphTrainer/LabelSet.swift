import XGraphCore

/// The label vocabularies a downstream task can use on Fashion-MNIST.
///
/// `coarse` groups the 10 classes into 4 by body part: tops (T-shirt/top 0, Pullover 2,
/// Coat 4, Shirt 6), bottoms (Trouser 1, Dress 3 — a dress covers the legs, and keeping it
/// out of tops makes the tops/bottoms boundary the hard one, as in the fine task), footwear
/// (Sandal 5, Sneaker 7, Ankle boot 9) and bags (Bag 8).
public enum LabelSet: String, Sendable, CaseIterable {
    case fine
    case coarse

    public var classes: Int { self == .fine ? 10 : 4 }

    public var classNames: [String] {
        self == .fine ? FashionMNIST.classNames : ["tops", "bottoms", "footwear", "bags"]
    }

    private static let coarseOfFine: [Int32] = [0, 1, 0, 1, 0, 2, 0, 2, 3, 2]

    /// The label of a Fashion-MNIST class in this vocabulary.
    public func label(ofFine fine: UInt8) -> Int32 {
        self == .fine ? Int32(fine) : Self.coarseOfFine[Int(fine)]
    }
}
