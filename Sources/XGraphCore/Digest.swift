import Crypto
import Foundation

/// A SHA-256 digest, printed and stored as 64 lowercase hex characters.
public struct Digest: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let hex: String

    public init?(hex: String) {
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        self.hex = hex
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
        Digest(SHA256.hash(data: bytes))
    }

    public static func of(_ string: String) -> Digest {
        of(Data(string.utf8))
    }

    init(_ d: SHA256.Digest) {
        var s = ""
        s.reserveCapacity(64)
        let digits = Array("0123456789abcdef")
        for b in d {
            s.append(digits[Int(b >> 4)])
            s.append(digits[Int(b & 0xf)])
        }
        self.hex = s
    }
}

/// Incremental SHA-256 for streams and canonical encodings.
public struct Hasher256 {
    private var h = SHA256()
    public init() {}
    public mutating func update(_ bytes: some DataProtocol) { h.update(data: bytes) }
    public mutating func update(_ string: String) { h.update(data: Data(string.utf8)) }
    public mutating func update(buffer: UnsafeRawBufferPointer) { h.update(bufferPointer: buffer) }
    public consuming func finalize() -> Digest { Digest(h.finalize()) }
}
