/// Data sizes as researchers write them: `1000`, `3k`, `30M`, `1.5B`.
public enum SizeLabel {
    public static func parse(_ s: String) -> Int? {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard let last = t.last else { return nil }
        let mult: Double
        var num = Substring(t)
        switch last {
        case "k", "K": mult = 1e3; num = num.dropLast()
        case "M": mult = 1e6; num = num.dropLast()
        case "B", "G": mult = 1e9; num = num.dropLast()
        default: mult = 1
        }
        guard let v = Double(num), v >= 0, v.isFinite else { return nil }
        let r = (v * mult).rounded()
        guard r == v * mult || abs(r - v * mult) < 1e-6 else { return nil }
        return Int(r)
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

import Foundation
