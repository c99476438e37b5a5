import XGraphCore

/// The order in which axis values are listed: data sizes by their number (`1k < 3k < 10k < 30k`,
/// which plain text order gets wrong), before any other label, and other labels as text.
enum LabelOrder {
    static func less(_ a: String, _ b: String) -> Bool {
        switch (SizeLabel.parse(a), SizeLabel.parse(b)) {
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
}
