import Crypto
import Foundation

/// A SHA-256 digest, printed and stored as 64 lowercase hex characters.
public struct Digest: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let hex: String

    public init?(hex: String) {
        // Byte checks, not Character properties: records hold dozens of digests each, and
        // Unicode property lookups dominated decoding them.
        var hex = hex
        guard let d = hex.withUTF8({ Digest(hexUTF8: $0) }) else { return nil }
        self = d
    }

    init(trusted hex: String) { self.hex = hex }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let d = Digest(hex: s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a SHA-256 hex digest: \(s)")
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }

    public var description: String { hex }
    /// The first 12 characters, enough to tell digests apart in messages.
    public var short: String { String(hex.prefix(12)) }

    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

    public static func of(_ bytes: some DataProtocol) -> Digest {
        if let d = bytes.withContiguousStorageIfAvailable({ of(buffer: UnsafeRawBufferPointer($0)) }) { return d }
        return Digest(SHA256.hash(data: bytes))
    }

    public static func of(_ string: String) -> Digest {
        var string = string
        return string.withUTF8 { of(buffer: UnsafeRawBufferPointer($0)) }
    }

    /// Hashes contiguous bytes directly: `SHA256.hash(data:)` walks a DataProtocol's regions
    /// generically, which cost as much as the hashing for the short texts of node keys.
    public static func of(buffer: UnsafeRawBufferPointer) -> Digest {
        var h = SHA256()
        h.update(bufferPointer: buffer)
        return Digest(h.finalize())
    }

    init(_ d: SHA256.Digest) {
        self.hex = d.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: 64) { out in
                let digits: StaticString = "0123456789abcdef"
                let table = digits.utf8Start
                for (i, b) in raw.enumerated() {
                    out[2 * i] = table[Int(b >> 4)]
                    out[2 * i + 1] = table[Int(b & 0xf)]
                }
                return 64
            }
        }
    }
}

/// Incremental SHA-256 for streams and canonical encodings.
public struct Hasher256 {
    private var h = SHA256()
    public init() {}
    public mutating func update(_ bytes: some DataProtocol) { h.update(data: bytes) }
    public mutating func update(_ string: String) {
        var string = string
        string.withUTF8 { h.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }
    public mutating func update(buffer: UnsafeRawBufferPointer) { h.update(bufferPointer: buffer) }
    public consuming func finalize() -> Digest { Digest(h.finalize()) }
}
