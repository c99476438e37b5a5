/// Quotes a value for POSIX sh so that it is always one word, whatever it holds.
public func shellQuote(_ s: String) -> String {
    // Checked byte by byte: a head writing the units of a thousand-task array quotes every
    // word of every runner's command, and going through Characters was a visible part of it.
    if !s.isEmpty, s.utf8.allSatisfy(isPlainShellByte) {
        return s
    }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// ASCII letters and digits and `-_./=:,+@%`: bytes that need no quoting.
private func isPlainShellByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: ":"),
         UInt8(ascii: ","), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "%"):
        return true
    default:
        return false
    }
}
