import Foundation

/// A JSON value with one canonical text form (sorted keys, no spaces, shortest round-trip
/// numbers), so that equal values always hash alike. Parameters, metrics and key parts use it.
public enum JSONValue: Hashable, Sendable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Parses JSON text (RFC 8259).
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// The canonical text as UTF-8 bytes, ready to write to a file.
    public var canonicalData: Data { Data(canonical.utf8) }

    /// The canonical text: keys sorted by their UTF-8 bytes, no whitespace.
    public var canonical: String {
        var out = ""
        write(into: &out)
        return out
    }

    public var description: String { canonical }

    /// A short human form for messages: strings bare, everything else canonical.
    public var display: String {
        if case .string(let s) = self { return s }
        return canonical
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite, d.rounded() == d, abs(d) < 1e15 { out += String(Int(d)) + ".0" }
            else if d.isFinite { out += "\(d)" }
            else { out += "null" }
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                v.write(into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, k) in o.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(k, into: &out)
                out += ":"
                o[k]!.write(into: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        // `exactly:` is nil past Int's range (1e300 is a whole number too) instead of trapping.
        case .double(let d): return Int(exactly: d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    /// Whether the two values are the same JSON, compared as the bytes they encode to: strings
    /// by their UTF-8 bytes (Swift's `==` merges canonically equivalent strings, NFC and NFD,
    /// which encode differently), doubles by their bits (`==` says -0.0 is 0.0), and an int never
    /// equals a double. Identical values have the same canonical text; the converse need not hold.
    public func isIdentical(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return Self.sameBytes(a, b)
        case (.array(let a), .array(let b)):
            if Self.sameBits(a, b) { return true }
            return a.count == b.count && zip(a, b).allSatisfy { $0.isIdentical(to: $1) }
        case (.object(let a), .object(let b)):
            // The common case when keying a grid: both are the axis value's own dictionary,
            // one shared copy-on-write buffer, so one comparison of its reference settles it.
            if Self.sameBits(a, b) { return true }
            guard a.count == b.count else { return false }
            // Two dictionaries built alike (the same entries, inserted in the same order) list
            // them in the same order: compare side by side without hashing a key. Any other
            // order falls back to looking each key up.
            if zip(a, b).allSatisfy({ Self.sameBytes($0.key, $1.key) && $0.value.isIdentical(to: $1.value) }) { return true }
            for (k, v) in a {
                // A dictionary holds one of two canonically equivalent keys: compare the bytes
                // of the key found, not just that one was found.
                guard let i = b.index(forKey: k), Self.sameBytes(b[i].key, k), v.isIdentical(to: b[i].value) else { return false }
            }
            return true
        default: return false
        }
    }

    /// Two values with the very same bits are the same value: for a dictionary or an array the
    /// bits are the reference to its buffer, and a buffer two values share is never changed in
    /// place (copy on write). Unequal bits say nothing: the caller compares the contents.
    static func sameBits<T>(_ a: T, _ b: T) -> Bool {
        withUnsafeBytes(of: a) { x in withUnsafeBytes(of: b) { y in x.elementsEqual(y) } }
    }

    /// The same UTF-8 bytes (Swift's `==` would also accept a canonically equivalent spelling).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                guard let p = x.baseAddress, let q = y.baseAddress else { return true }
                return memcmp(p, q, x.count) == 0
            }
        }
    }

    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { return o }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
