/// "Did you mean" for misspelt names, by edit distance.
public enum NameSuggestions {
    /// Levenshtein distance over characters.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// The closest candidate, when close enough to be a plausible typo.
    public static func closest(to name: String, in candidates: [String]) -> String? {
        let limit = Swift.max(2, name.count / 3)
        var best: (String, Int)?
        let length = name.count
        for c in candidates {
            // The distance is at least the difference in length: skipping those keeps a 200 kB
            // value from costing seconds of quadratic work for a suggestion it can never get.
            guard abs(c.count - length) <= limit else { continue }
            let d = distance(name.lowercased(), c.lowercased())
            if d <= limit, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        if let best { return best.0 }
        // A shortened or lengthened spelling ('memory' for 'mem') is far by edits but obvious.
        let lower = name.lowercased()
        return candidates.first { c in
            let lc = c.lowercased()
            return min(lc.count, lower.count) >= 3 && (lc.hasPrefix(lower) || lower.hasPrefix(lc))
        }
    }

    /// `; did you mean 'x'?` when a candidate is close, else `;`: messages follow it with the
    /// list of valid names, so both read as one sentence.
    public static func didYouMean(_ name: String, in candidates: [String]) -> String {
        closest(to: name, in: candidates).map { "; did you mean '\($0)'?" } ?? ";"
    }

    /// `'a', 'b', 'c'` (or "none").
    public static func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.map { "'\($0)'" }.joined(separator: ", ")
    }

    /// Up to `limit` candidates ordered by distance, for "no such node" messages.
    public static func nearest(to name: String, in candidates: [String], limit: Int) -> [String] {
        candidates.map { ($0, distance(name, $0)) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .prefix(limit).map(\.0)
    }
}
