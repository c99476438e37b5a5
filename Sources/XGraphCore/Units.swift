import Foundation

/// Memory sizes as written in `resources:` and `--mem`: `512M`, `256G`, `1T` (binary multiples,
/// as Slurm reads them; `Gi` spellings too) or a plain number of megabytes.
public enum MemorySize {
    public static func megabytes(_ s: String) -> Int? {
        var t = Substring(s.trimmingCharacters(in: .whitespaces))
        if t.last == "i" || t.last == "I" { t = t.dropLast() }
        guard let last = t.last else { return nil }
        var mult = 1.0
        switch last {
        case "K", "k": mult = 1.0 / 1024; t = t.dropLast()
        case "M", "m": t = t.dropLast()
        case "G", "g": mult = 1024; t = t.dropLast()
        case "T", "t": mult = 1024 * 1024; t = t.dropLast()
        default: break
        }
        guard let v = Double(t), v >= 0, v.isFinite else { return nil }
        return Int((v * mult).rounded(.up))
    }
}

/// Durations as written in `time:` and `estimate:`: `90s`, `30m`, `72h`, `2d`, `HH:MM:SS` or a
/// plain number of seconds.
public enum DurationText {
    public static func seconds(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if t.contains(":") {
            let parts = t.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, let h = Int(parts[0]), let m = Int(parts[1]), let sec = Int(parts[2]),
                  h >= 0, (0..<60).contains(m), (0..<60).contains(sec) else { return nil }
            return Double(h * 3600 + m * 60 + sec)
        }
        guard let last = t.last else { return nil }
        var num = Substring(t)
        var mult = 1.0
        switch last {
        case "s": num = num.dropLast()
        case "m": mult = 60; num = num.dropLast()
        case "h": mult = 3600; num = num.dropLast()
        case "d": mult = 86400; num = num.dropLast()
        default: break
        }
        guard let v = Double(num), v >= 0, v.isFinite else { return nil }
        return v * mult
    }
}
