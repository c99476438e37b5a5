import XGraphCore

/// The labels a model is trained or evaluated on: a grouping (fine classes or coarse groups)
/// over a set of Fashion-MNIST classes. Pretraining on `upstream` and transferring to
/// `downstream` keeps the downstream classes, not only the downstream images, out of
/// pretraining, as transfer to a new task requires (JFT → COCO, Instagram → CUB).
public struct Vocabulary: Sendable, Equatable {
    public let labels: LabelSet
    /// The Fashion-MNIST classes included, sorted and distinct.
    public let classes: [UInt8]
    /// fine class → label in this vocabulary, -1 when the class is excluded.
    private let table: [Int32]
    /// The number of labels (a model's head size).
    public let count: Int

    /// The six classes pretraining sees in the class-split studies: T-shirt/top, Trouser, Coat,
    /// Sandal, Bag, Ankle boot.
    public static let upstream: [UInt8] = [0, 1, 4, 5, 8, 9]
    /// The four held-out classes a transfer learns: Pullover, Dress, Shirt, Sneaker. Each has
    /// a relative upstream (pullover and shirt next to T-shirt and coat, sneaker next to sandal
    /// and ankle boot), as a downstream task has in its pretraining data, without being one.
    public static let downstream: [UInt8] = [2, 3, 6, 7]
    public static let all: [UInt8] = (0..<UInt8(FashionMNIST.classes)).map { $0 }

    public init(labels: LabelSet, classes: [UInt8] = Vocabulary.all) {
        precondition(!classes.isEmpty && classes.allSatisfy { Int($0) < FashionMNIST.classes })
        self.labels = labels
        self.classes = Array(Set(classes)).sorted()
        let groups = Array(Set(self.classes.map { labels.label(ofFine: $0) })).sorted()
        var table = [Int32](repeating: -1, count: FashionMNIST.classes)
        for c in self.classes {
            table[Int(c)] = Int32(groups.firstIndex(of: labels.label(ofFine: c)) ?? 0)
        }
        self.table = table
        count = groups.count
    }

    public var coversAllClasses: Bool { classes.count == FashionMNIST.classes }

    /// The label of a Fashion-MNIST class, or nil when the class is not included.
    public func label(ofFine fine: UInt8) -> Int32? {
        guard Int(fine) < table.count, table[Int(fine)] >= 0 else { return nil }
        return table[Int(fine)]
    }

    /// The examples of `images` whose class is included, with their labels here.
    public func rows(of images: ImageSet, among candidates: [Int32]? = nil) -> LabelledRows {
        var rows: [Int32] = []
        var labels: [Int32] = []
        for r in candidates ?? (0..<Int32(images.count)).map({ $0 }) {
            if let l = label(ofFine: images.labels[Int(r)]) {
                rows.append(r)
                labels.append(l)
            }
        }
        return LabelledRows(pixels: images.pixels, dimension: images.dimension, rows: rows, labels: labels)
    }

    /// `0,1,4,5,8,9`: how checkpoints and subset.json record the classes.
    public var classList: String { classes.map(String.init).joined(separator: ",") }
}

extension Vocabulary {
    /// The `classes` parameter: `all`, `upstream`, `downstream`, or a list of class numbers 0–9.
    static func classes(_ params: BuiltinParams, axis kind: String?) throws -> [UInt8] {
        guard let v = params.value("classes", axis: kind) else { return all }
        let valid = "`all`, `upstream` (\(upstream.map(String.init).joined(separator: ", "))), `downstream` (\(downstream.map(String.init).joined(separator: ", "))) or a list of at least two distinct class numbers 0–9"
        if let name = v.stringValue {
            switch name {
            case "all": return all
            case "upstream": return upstream
            case "downstream": return downstream
            default: throw params.error("classes", "must be \(valid), got \(v.canonical)")
            }
        }
        guard let list = v.arrayValue else { throw params.error("classes", "must be \(valid), got \(v.canonical)") }
        var classes: [UInt8] = []
        for item in list {
            guard let i = item.intValue, (0..<FashionMNIST.classes).contains(i), !classes.contains(UInt8(i)) else {
                throw params.error("classes", "must be \(valid), got \(v.canonical)")
            }
            classes.append(UInt8(i))
        }
        guard classes.count >= 2 else { throw params.error("classes", "must be \(valid), got \(v.canonical)") }
        return classes.sorted()
    }

    /// `0,1,4,5,8,9` back to classes (checkpoint metadata, subset.json).
    static func parseClassList(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ",").map { UInt8($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0.map { Int($0) < FashionMNIST.classes } ?? false }) else { return nil }
        return parts.compactMap { $0 }
    }
}
