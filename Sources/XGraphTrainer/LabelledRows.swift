/// Labelled examples as rows of a shared row-major matrix, so a subset of 60 000 images
/// is a list of row numbers rather than a 188 MB copy.
public struct LabelledRows: Sendable {
    public let pixels: [Float]
    public let dimension: Int
    /// Row numbers into `pixels`, one per example.
    public let rows: [Int32]
    /// One label per example (not per row of `pixels`).
    public let labels: [Int32]

    public var count: Int { rows.count }

    public init(pixels: [Float], dimension: Int, rows: [Int32], labels: [Int32]) {
        precondition(rows.count == labels.count)
        precondition(rows.allSatisfy { $0 >= 0 && (Int($0) + 1) * dimension <= pixels.count })
        self.pixels = pixels
        self.dimension = dimension
        self.rows = rows
        self.labels = labels
    }

    /// Every row of `pixels`, in order.
    public init(pixels: [Float], dimension: Int, labels: [Int32]) {
        self.init(pixels: pixels, dimension: dimension, rows: (0..<Int32(labels.count)).map { $0 }, labels: labels)
    }
}

extension LabelledRows {
    /// Calls `body` on consecutive batches of at most `capacity` examples, in order, with the
    /// pixel matrix's base address and the batch's example positions: the loop every
    /// evaluation and feature extraction runs, whatever the model.
    func forEachBatch(of capacity: Int, _ body: (_ pixels: UnsafePointer<Float>, _ batch: Range<Int>) -> Void) {
        precondition(capacity > 0)
        pixels.withUnsafeBufferPointer { base in
            guard let pointer = base.baseAddress else { return }
            var start = 0
            while start < count {
                let end = min(start + capacity, count)
                body(pointer, start..<end)
                start = end
            }
        }
    }
}
