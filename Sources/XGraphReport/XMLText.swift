/// Text placed into the report's XML and HTML. Every string that comes from outside the
/// report's own code (node names, axis values, metric names, commit labels, paths) goes through
/// `escape`, so a value such as `<script>` or `a&b` stays text and the SVG stays well-formed.
public enum XMLText {
    /// Escapes the five XML special characters and drops the control characters XML 1.0 does
    /// not allow (everything below U+0020 but tab, newline and carriage return), which would
    /// make the whole document unparseable.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                // U+FFFE and U+FFFF are not XML characters either.
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A number for an SVG coordinate: two decimals are finer than a pixel, and keep the
    /// file small.
    public static func coordinate(_ d: Double) -> String {
        guard d.isFinite else { return "0" }
        let r = (d * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
