import XGraphCore

/// The order in which axis values are listed: data sizes by their number (`1k < 3k < 10k < 30k`,
/// which plain text order gets wrong), before any other label, and other labels as text.
enum LabelOrder {
    static func less(_ a: String, _ b: String) -> Bool {
        less(a, b, SizeLabel.parse(a), SizeLabel.parse(b))
    }

    /// `less` with the sizes already parsed (nil: not a size).
    static func less(_ a: String, _ b: String, _ sa: Int?, _ sb: Int?) -> Bool {
        switch (sa, sb) {
        case let (x?, y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a < b
        }
    }

    /// Tuples of optional labels, element by element; a missing value sorts first.
    static func less(_ a: [String?], _ b: [String?]) -> Bool {
        for (x, y) in zip(a, b) where x != y {
            switch (x, y) {
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?): return less(x, y)
            }
        }
        return a.count < b.count
    }

    /// The parsed sizes of a set of labels, so that sorting thousands of runs parses each
    /// distinct label once instead of twice per comparison (a 10,000-run sort spent most of
    /// its time in `SizeLabel.parse`).
    struct Sizes {
        private var parsed: [String: Int?] = [:]

        init<S: Sequence>(_ labels: S) where S.Element == String {
            for l in labels where parsed[l] == nil { parsed[l] = .some(SizeLabel.parse(l)) }
        }

        func less(_ a: String, _ b: String) -> Bool {
            LabelOrder.less(a, b, parsed[a] ?? SizeLabel.parse(a), parsed[b] ?? SizeLabel.parse(b))
        }

        /// `LabelOrder.less` of tuples, with these sizes.
        func less(_ a: [String?], _ b: [String?]) -> Bool {
            for (x, y) in zip(a, b) where x != y {
                switch (x, y) {
                case (nil, _): return true
                case (_, nil): return false
                case let (x?, y?): return less(x, y)
                }
            }
            return a.count < b.count
        }
    }
}
