import Foundation

/// Memory sizes as written in `resources:` and `--mem`: `512M`, `256G`, `1T` (binary multiples,
/// as Slurm reads them; `Gi` spellings too) or a plain number of megabytes.
public enum MemorySize {
    /// 1024T (a pebibyte): more than any one machine, and small enough that adding up every
    /// job's memory stays far from Int.max.
    public static let maxMegabytes = 1 << 30
    public static let maxText = "1024T"

    public static func megabytes(_ s: String) -> Int? { read(s).value }

    public static func read(_ s: String) -> Bounded<Int> {
        var t = Substring(s.trimmingCharacters(in: .whitespaces))
        if t.last == "i" || t.last == "I" { t = t.dropLast() }
        guard let last = t.last else { return .malformed }
        var mult = 1.0
        switch last {
        case "K", "k": mult = 1.0 / 1024; t = t.dropLast()
        case "M", "m": t = t.dropLast()
        case "G", "g": mult = 1024; t = t.dropLast()
        case "T", "t": mult = 1024 * 1024; t = t.dropLast()
        default: break
        }
        guard let v = Double(t), v >= 0, v.isFinite else { return .malformed }
        let mb = (v * mult).rounded(.up)
        guard mb <= Double(maxMegabytes), let n = Int(exactly: mb) else { return .tooLarge }
        return .value(n)
    }
}

/// Durations as written in `time:` and `estimate:`: `90s`, `30m`, `72h`, `2d`, `HH:MM:SS` or a
/// plain number of seconds.
public enum DurationText {
    /// A year: a longer wall-time limit or estimate is a typo, and 1e300 seconds traps when the
    /// executor turns it into a Duration.
    public static let maxSeconds = 365.0 * 86400
    public static let maxText = "365d"

    public static func seconds(_ s: String) -> Double? { read(s).value }

    public static func read(_ s: String) -> Bounded<Double> {
        let t = s.trimmingCharacters(in: .whitespaces)
        let v: Double
        if t.contains(":") {
            let parts = t.split(separator: ":", omittingEmptySubsequences: false)
            // Hours are read as a Double: 999999999999999999 hours fits an Int, but not once
            // multiplied by 3600.
            guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                  let h = Double(parts[0]), let m = Int(parts[1]), let sec = Int(parts[2]),
                  (0..<60).contains(m), (0..<60).contains(sec) else { return .malformed }
            v = h * 3600 + Double(m * 60 + sec)
        } else {
            guard let last = t.last else { return .malformed }
            var num = Substring(t)
            var mult = 1.0
            switch last {
            case "s": num = num.dropLast()
            case "m": mult = 60; num = num.dropLast()
            case "h": mult = 3600; num = num.dropLast()
            case "d": mult = 86400; num = num.dropLast()
            default: break
            }
            guard let n = Double(num), n >= 0, n.isFinite else { return .malformed }
            v = n * mult
        }
        return v <= maxSeconds ? .value(v) : .tooLarge
    }
}
