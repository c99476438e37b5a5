/// Shell-style name patterns over node names: `*` matches any run of characters ('/' included,
/// so `finetune/*` reaches every axis), `?` exactly one. Compared byte-wise on UTF-8, which is
/// exact for ASCII names; `?` over a multi-byte character needs one `?` per byte.
struct Glob {
    private let pattern: [UInt8]

    init(_ pattern: String) { self.pattern = Array(pattern.utf8) }

    /// Greedy matching with one backtrack point: linear in practice, no regex.
    func matches(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { s in
            var p = 0, i = 0
            var starP = -1, starI = 0
            while i < s.count {
                if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
                    starP = p; starI = i; p += 1
                } else if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == s[i] {
                    p += 1; i += 1
                } else if starP >= 0 {
                    p = starP + 1; starI += 1; i = starI
                } else {
                    return false
                }
            }
            while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
            return p == pattern.count
        }
    }
}
