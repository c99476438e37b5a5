import Foundation

/// Memory and duration amounts as written in `resources:` and `estimate:`.
enum Units {
    /// `512M`, `256G`, `1T` (binary multiples, as Slurm reads them) or a plain number of
    /// megabytes → megabytes.
    static func megabytes(_ s: String) -> Int? {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard let last = t.last else { return nil }
        var num = Substring(t)
        var mult = 1.0
        switch last {
        case "M", "m": num = num.dropLast()
        case "G", "g": mult = 1024; num = num.dropLast()
        case "T", "t": mult = 1024 * 1024; num = num.dropLast()
        default: break
        }
        guard let v = Double(num), v >= 0, v.isFinite else { return nil }
        return Int((v * mult).rounded(.up))
    }

    /// `90s`, `30m`, `72h`, `2d`, `HH:MM:SS` or a plain number of seconds → seconds.
    static func seconds(_ s: String) -> Double? {
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
