import Foundation

/// Data sizes as researchers write them: `1000`, `3k`, `30M`, `1.5B`.
public enum SizeLabel {
    /// 10^15 items: far beyond any data set, and far enough below Int.max that sums and products
    /// of a few sizes cannot overflow.
    public static let maxCount = 1_000_000_000_000_000
    /// `maxCount` as messages show it.
    public static let maxText = "1000000B (10^15)"

    public static func parse(_ s: String) -> Int? { read(s).value }

    public static func read(_ s: String) -> Bounded<Int> {
        // Foundation's trim is slow and a report parses tens of thousands of labels, nearly
        // none with spaces around them: trim only those that have some.
        let spaces = CharacterSet.whitespaces
        let padded = s.unicodeScalars.first.map(spaces.contains) == true || s.unicodeScalars.last.map(spaces.contains) == true
        let t = padded ? s.trimmingCharacters(in: spaces) : s
        guard let last = t.last else { return .malformed }
        let mult: Double
        var num = Substring(t)
        switch last {
        case "k", "K": mult = 1e3; num = num.dropLast()
        case "M": mult = 1e6; num = num.dropLast()
        case "B", "G": mult = 1e9; num = num.dropLast()
        default: mult = 1
        }
        guard let v = Double(num), v >= 0, v.isFinite else { return .malformed }
        let x = v * mult
        let r = x.rounded()
        guard r == x || abs(r - x) < 1e-6 else { return .malformed }
        // Compared as a Double first: Int(exactly:) of 1e19 is nil rather than a trap, but a
        // label past the limit is "too large", not "not a size".
        guard r <= Double(maxCount), let n = Int(exactly: r) else { return .tooLarge }
        return .value(n)
    }

    /// The shortest label that parses back to `n`: 30000000 → "30M", 1500 → "1.5k".
    public static func format(_ n: Int) -> String {
        for (suffix, m) in [("B", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)] where n >= m {
            if n % m == 0 { return "\(n / m)\(suffix)" }
            let v = Double(n) / Double(m)
            let s = String(format: "%g", v)
            if parse(s + suffix) == n { return s + suffix }
        }
        return String(n)
    }
}
