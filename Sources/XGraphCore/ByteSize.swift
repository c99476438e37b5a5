import Foundation

/// Sizes as people write and read them: `500M`, `1.5G`, `2T` (powers of 1024, as `du -h`).
public enum ByteSize {
    private static let units: [(String, Double)] = [("K", 1024), ("M", 1024 * 1024), ("G", 1024 * 1024 * 1024),
                                                    ("T", 1024 * 1024 * 1024 * 1024)]

    /// Parses `123`, `500M`, `1.5G`, `2TB`, `10GiB`; nil for anything else (negative, empty, unknown unit).
    public static func parse(_ text: String) -> Int64? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where t.hasSuffix(suffix) && t.count > suffix.count {
            t = String(t.dropLast(suffix.count)); break
        }
        var factor = 1.0
        if let (u, f) = units.first(where: { t.hasSuffix($0.0) }) { t = String(t.dropLast(u.count)); factor = f }
        guard let n = Double(t), n.isFinite, n >= 0, n * factor < 9.0e18 else { return nil }
        return Int64((n * factor).rounded())
    }

    /// `0 B`, `812 B`, `4.1 KiB`, `3.0 GiB`.
    public static func text(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        var value = Double(bytes), unit = "B"
        for (u, _) in units where value >= 1024 { value /= 1024; unit = u + "iB" }
        return String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + unit
    }
}
