extension Digest {
    /// Parses 64 lowercase hex digits given as UTF-8 bytes, without going through `Character`s
    /// (and, being non-generic, fast even in debug builds): the store reads tens of thousands
    /// of digests from its logs on every null build.
    public init?(hexUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 64 else { return nil }
        for b in bytes where !((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66)) { return nil }
        self.init(trusted: String(decoding: bytes, as: UTF8.self))
    }
}
