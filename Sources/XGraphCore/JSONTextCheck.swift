import Foundation

/// Checks a JSON file a user's step wrote (metrics.json) for what the decoder would take silently
/// or answer badly: a key written twice in one object (Python's `json` keeps the last one, our
/// decoder the first, so the step and xgraph would disagree on the number), two keys of one
/// object that differ only in their Unicode form (a dictionary merges them), `NaN`/`Infinity`
/// (Python writes them; JSON has no such values), and nesting deeper than any metrics file needs
/// (a recursive decoder would exhaust the stack). Anything else malformed is left to the decoder,
/// which reports it. One pass over the bytes; no values are built.
public enum JSONTextCheck {
    public static let maxDepth = 256

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Throws a `Problem` naming the key where the first such thing is; `file` names the file.
    public static func check(_ data: Data, file: String) throws {
        var scanner = Scanner(bytes: [UInt8](data), file: file)
        scanner.skipSpace()
        try scanner.value(path: [], depth: 0)
    }

    private struct Stop: Error {}

    private struct Scanner {
        let bytes: [UInt8]
        let file: String
        var at = 0

        init(bytes: [UInt8], file: String) { self.bytes = bytes; self.file = file }

        var current: UInt8? { at < bytes.count ? bytes[at] : nil }

        mutating func skipSpace() {
            while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { at += 1 }
        }

        static func where_(_ path: [String]) -> String {
            path.isEmpty ? "at the top level" : "at " + path.map { "\"\($0)\"" }.joined(separator: " → ")
        }

        /// Scans one value. Malformed input ends the scan quietly (`Stop`): the decoder says what
        /// is wrong with it.
        mutating func value(path: [String], depth: Int) throws {
            guard depth <= JSONTextCheck.maxDepth else {
                throw Problem(description: "\(file) nests objects and arrays more than \(JSONTextCheck.maxDepth) deep "
                    + "\(Self.where_(path)); write a flatter object")
            }
            do {
                switch current {
                case UInt8(ascii: "{"): try object(path: path, depth: depth)
                case UInt8(ascii: "["): try array(path: path, depth: depth)
                case UInt8(ascii: "\""): _ = try string()
                case UInt8(ascii: "N"), UInt8(ascii: "I"): throw nonFinite(path)
                case UInt8(ascii: "-") where at + 1 < bytes.count && bytes[at + 1] == UInt8(ascii: "I"): throw nonFinite(path)
                default: skipScalar()
                }
            } catch is Stop { at = bytes.count }
        }

        func nonFinite(_ path: [String]) -> Problem {
            Problem(description: "\(file) holds NaN or Infinity \(Self.where_(path)), which JSON does not have "
                + "(Python's json.dump writes them for a diverged run); write null instead "
                + "(a null metric is left out of results and fits), or fail the step")
        }

        mutating func skipScalar() {
            while let c = current, !(c == UInt8(ascii: ",") || c == UInt8(ascii: "}") || c == UInt8(ascii: "]")
                                      || c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D) { at += 1 }
        }

        mutating func object(path: [String], depth: Int) throws {
            at += 1
            // Keys as Swift compares them (canonically equivalent forms meet), with their bytes.
            var keys: [String: [UInt8]] = [:]
            skipSpace()
            if current == UInt8(ascii: "}") { at += 1; return }
            while true {
                skipSpace()
                guard current == UInt8(ascii: "\"") else { throw Stop() }
                let key = try string()
                let text = String(decoding: key, as: UTF8.self)
                if let other = keys[text] {
                    let here = Self.where_(path)
                    if other == key {
                        throw Problem(description: "\(file) has the key \"\(text)\" twice in one object \(here); "
                            + "Python's json keeps the last value and xgraph would keep another, so write each key once")
                    }
                    let otherText = String(decoding: other, as: UTF8.self)
                    throw Problem(description: "\(file) has the keys \"\(otherText)\" (\(JSONValue.scalars(otherText))) "
                        + "and \"\(text)\" (\(JSONValue.scalars(text))) in one object \(here): they differ only in "
                        + "their Unicode form and print alike; rename one or write both in one form (NFC)")
                }
                keys[text] = key
                skipSpace()
                guard current == UInt8(ascii: ":") else { throw Stop() }
                at += 1
                skipSpace()
                try value(path: path + [text], depth: depth + 1)
                skipSpace()
                if current == UInt8(ascii: ",") { at += 1; continue }
                if current == UInt8(ascii: "}") { at += 1; return }
                throw Stop()
            }
        }

        mutating func array(path: [String], depth: Int) throws {
            at += 1
            skipSpace()
            if current == UInt8(ascii: "]") { at += 1; return }
            var i = 0
            while true {
                skipSpace()
                try value(path: path + ["[\(i)]"], depth: depth + 1)
                skipSpace()
                i += 1
                if current == UInt8(ascii: ",") { at += 1; continue }
                if current == UInt8(ascii: "]") { at += 1; return }
                throw Stop()
            }
        }

        /// A string's decoded UTF-8 bytes (escapes resolved, so `"\u0061"` and `"a"` are one key).
        mutating func string() throws -> [UInt8] {
            at += 1
            var out: [UInt8] = []
            while let c = current {
                at += 1
                switch c {
                case UInt8(ascii: "\""): return out
                case UInt8(ascii: "\\"):
                    guard let e = current else { throw Stop() }
                    at += 1
                    switch e {
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800..<0xDC00).contains(scalar), current == UInt8(ascii: "\\"),
                           at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: "u") {
                            at += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw Stop() }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let u = Unicode.Scalar(scalar) else { throw Stop() }
                        out.append(contentsOf: Array(String(Character(u)).utf8))
                    default: out.append(e)
                    }
                default: out.append(c)
                }
            }
            throw Stop()
        }

        mutating func hex4() throws -> UInt32 {
            guard at + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else {
                throw Stop()
            }
            at += 4
            return v
        }
    }
}
