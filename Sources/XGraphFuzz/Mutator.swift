import XGraphCore

/// Mutations of an experiment file's bytes, each chosen to reach a different kind of bug: byte
/// flips and cuts (parser paths), duplications and splices (repeated or foreign keys, big
/// cartesian products), hostile numbers (conversions that trap), deep nesting (recursion) and
/// long paths (quadratic normalisation).
public struct Mutator {
    var random: SplitMix64
    let corpus: [[UInt8]]

    /// Numbers that broke or could break a conversion: past Int, past Duration, not finite,
    /// negative, and the same through size, memory and HH:MM:SS suffixes.
    static let hostileNumbers = [
        "1e19", "1e20", "1e300", "-1e300", "-1", "0", "-0", ".nan", ".inf", "-.inf", "NaN", "1e-300",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999",
        "10000000000B", "1e19M", "1e19G", "1e19T", "999999999999999999:00:00", "0.5", "4294967296",
        "\"1e19\"", "0x7fffffffffffffff", "18446744073709551615",
    ]

    public init(seed: UInt64, corpus: [[UInt8]]) {
        random = SplitMix64(seed: seed)
        self.corpus = corpus
    }

    mutating func below(_ n: Int) -> Int {
        guard n > 0, let bound = UInt64(exactly: n) else { return 0 }
        return Int(truncatingIfNeeded: random.next(below: bound))
    }

    /// One to three mutations of `input`.
    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...below(3) { bytes = mutateOnce(bytes) }
        return bytes
    }

    mutating func mutateOnce(_ b: [UInt8]) -> [UInt8] {
        var bytes = b
        switch below(8) {
        case 0 where !bytes.isEmpty:
            let i = below(bytes.count)
            bytes[i] ^= UInt8(truncatingIfNeeded: 1 << below(8))
        case 1 where !bytes.isEmpty:
            let (lo, hi) = range(in: bytes.count)
            bytes.removeSubrange(lo..<hi)
        case 2 where !bytes.isEmpty:
            let (lo, hi) = range(in: bytes.count)
            let times = 1 + below(8)
            let chunk = Array(bytes[lo..<hi])
            bytes.insert(contentsOf: Array([[UInt8]](repeating: chunk, count: times).joined()), at: hi)
        case 3 where !corpus.isEmpty:
            let other = corpus[below(corpus.count)]
            guard !other.isEmpty else { break }
            let (lo, hi) = range(in: other.count)
            bytes.insert(contentsOf: other[lo..<hi], at: below(bytes.count + 1))
        case 4, 5:
            bytes = replaceNumber(bytes)
        case 6:
            let depth = [100, 1000, 10000, 100_000][below(4)]
            let open = below(2) == 0 ? "[" : "{a: "
            let close = open == "[" ? "]" : "}"
            let nest = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
            bytes = replaceValue(bytes, with: nest)
        default:
            let count = [1000, 10000, 65536][below(3)]
            let path = Array(repeating: below(2) == 0 ? "a" : "..", count: count).joined(separator: "/")
            bytes = replaceValue(bytes, with: path)
        }
        return bytes
    }

    /// A random subrange, mostly short.
    mutating func range(in count: Int) -> (Int, Int) {
        let lo = below(count)
        let hi = min(count, lo + 1 + below(below(2) == 0 ? 16 : 256))
        return (lo, hi)
    }

    /// A random run of digits (with its sign, dot and exponent) replaced by a hostile number, or
    /// one inserted after a random `: ` when there is none.
    mutating func replaceNumber(_ bytes: [UInt8]) -> [UInt8] {
        let number = Array(Mutator.hostileNumbers[below(Mutator.hostileNumbers.count)].utf8)
        let starts = bytes.indices.filter { i in
            isDigit(bytes[i]) && (i == 0 || !(isDigit(bytes[i - 1]) || bytes[i - 1] == UInt8(ascii: ".")))
        }
        guard !starts.isEmpty else { return replaceValue(bytes, with: String(decoding: number, as: UTF8.self)) }
        let lo = starts[below(starts.count)]
        var hi = lo
        while hi < bytes.count, isDigit(bytes[hi]) || "._eE+-".utf8.contains(bytes[hi]) { hi += 1 }
        // Keep a size or duration suffix half the time, so 30M becomes 1e19M.
        if below(2) == 0, hi < bytes.count, "kMBGTsmhd".utf8.contains(bytes[hi]) { hi += 1 }
        var out = bytes
        out.replaceSubrange(lo..<hi, with: number)
        return out
    }

    /// The text after a random `: ` (up to the end of its line, a `,` or a `}`) replaced.
    mutating func replaceValue(_ bytes: [UInt8], with text: String) -> [UInt8] {
        let colons = bytes.indices.dropLast().filter { bytes[$0] == UInt8(ascii: ":") && bytes[$0 + 1] == UInt8(ascii: " ") }
        guard !colons.isEmpty else { return bytes + Array(text.utf8) }
        let lo = colons[below(colons.count)] + 2
        var hi = lo
        while hi < bytes.count, !"\n,}]".utf8.contains(bytes[hi]) { hi += 1 }
        var out = bytes
        out.replaceSubrange(lo..<hi, with: Array(text.utf8))
        return out
    }

    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
