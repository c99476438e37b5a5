/// Memory sizes as written in experiment files and flags: `512M`, `64G`, `1T` (binary units).
public enum MemorySize {
    /// Megabytes, or nil if the text is not a size.
    public static func megabytes(_ s: String) -> Int? {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard let last = t.last else { return nil }
        let factor: Double
        var num = Substring(t)
        switch last.uppercased() {
        case "K": factor = 1.0 / 1024; num = num.dropLast()
        case "M": factor = 1; num = num.dropLast()
        case "G": factor = 1024; num = num.dropLast()
        case "T": factor = 1024 * 1024; num = num.dropLast()
        default: factor = 1
        }
        if num.last == "i" || num.last == "I" { num = num.dropLast() }
        guard let v = Double(num), v >= 0, v.isFinite else { return nil }
        return Int((v * factor).rounded(.up))
    }
}

/// Durations as written in experiment files: `90s`, `30m`, `72h`, `2d`, `1:30:00`, or seconds.
public enum DurationText {
    public static func seconds(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if t.contains(":") {
            let parts = t.split(separator: ":").map { Double($0) }
            guard parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
            return parts.reduce(0) { $0 * 60 + $1! }
        }
        guard let last = t.last else { return nil }
        let unit: Double
        var num = Substring(t)
        switch last {
        case "s": unit = 1; num = num.dropLast()
        case "m": unit = 60; num = num.dropLast()
        case "h": unit = 3600; num = num.dropLast()
        case "d": unit = 86400; num = num.dropLast()
        default: unit = 1
        }
        guard let v = Double(num), v >= 0, v.isFinite else { return nil }
        return v * unit
    }
}

import Foundation
