import COpenSSL
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

    /// Hashes the first 16 of the 64 hex digits: SHA-256 output is uniform, so they tell
    /// digests apart in a dictionary as well as all 64 would, for a quarter of the hashing (a
    /// no-op build looks up every node's key, output and artifact).
    public func hash(into hasher: inout Hasher) {
        var hex = hex
        hex.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0.prefix(16)))) }
    }

    public var description: String { hex }
    /// The first 12 characters, enough to tell digests apart in messages.
    public var short: String { String(hex.prefix(12)) }

    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

    public static func of(_ bytes: some DataProtocol) -> Digest {
        if let d = bytes.withContiguousStorageIfAvailable({ of(buffer: UnsafeRawBufferPointer($0)) }) { return d }
        var h = Hasher256()
        h.update(bytes)
        return h.finalize()
    }

    public static func of(_ string: String) -> Digest {
        var string = string
        return string.withUTF8 { of(buffer: UnsafeRawBufferPointer($0)) }
    }

    /// Hashes contiguous bytes directly: walking a DataProtocol's regions generically cost as
    /// much as the hashing for the short texts of node keys.
    public static func of(buffer: UnsafeRawBufferPointer) -> Digest {
        var h = Hasher256()
        h.update(buffer: buffer)
        return h.finalize()
    }

    /// The hex form of the 32 bytes SHA-256 produces.
    init(rawSHA256 raw: UnsafeRawBufferPointer) {
        self.hex = String(unsafeUninitializedCapacity: 64) { out in
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

/// Incremental SHA-256 for streams and canonical encodings, on OpenSSL's libcrypto (the SHA-NI
/// code path, as fast as the BoringSSL that swift-crypto compiled, without compiling it).
/// A value type: copying a hasher copies its state.
public struct Hasher256 {
    private var ctx = SHA256_CTX()
    // SHA256_Init/Update/Final return 1 always for SHA-256 (they cannot fail: no allocation, no
    // provider), so their results carry nothing to check.
    public init() { _ = SHA256_Init(&ctx) }
    public mutating func update(_ bytes: some DataProtocol) {
        for region in bytes.regions {
            region.withUnsafeBytes { update(buffer: $0) }
        }
    }
    public mutating func update(_ string: String) {
        var string = string
        string.withUTF8 { update(buffer: UnsafeRawBufferPointer($0)) }
    }
    public mutating func update(buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        _ = SHA256_Update(&ctx, base, buffer.count)
    }
    public consuming func finalize() -> Digest {
        var state = ctx
        var raw = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &raw) { out in
            // The 32-byte tuple is the whole output buffer SHA256_Final writes.
            _ = SHA256_Final(out.baseAddress?.assumingMemoryBound(to: UInt8.self), &state)
            return Digest(rawSHA256: UnsafeRawBufferPointer(out))
        }
    }
}
