import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// keys.log: the null-build index of action records, one line per record,
///
///     <key: 64 hex> SP <output tree: 64 hex> SP <check: 16 hex> LF
///
/// where `check` is the FNV-1a 64-bit hash of the line's first 129 bytes (`<key> SP <output>`).
/// Lines are appended with O_APPEND in one write(2) after the record file is in place, so a good
/// line names a record that exists and says what it says. The record is the truth and the log
/// only a fast copy of it: a line that is not exactly this shape or fails its check (torn by a
/// killed writer, merged by concurrent appends over NFS, edited by hand, outputs swapped between
/// lines) is ignored, and `outputDigest` then reads the record and appends a good line again.
///
/// Why a checksum rather than reading the record on each hit: a null build asks for every
/// node's output, and reading 10k small records per null build costs far more than the rest of
/// it (an open, read and JSON decode each); hashing 10k lines of 129 bytes at load is about a
/// millisecond, a byte-at-a-time loop over what is read anyway. The checksum binds
/// the output to the key, so a corrupted or misplaced output field reads as no line at all and
/// the record answers instead. A line is written only from the record just written, so a good
/// line says what the record said then; a record damaged later is found by `results` (which
/// warns) and `verify`, and `verify --repair` drops its line.
///
/// Version History:
/// * 1: `<key> SP <output> LF`.
/// * 2: adds the check field. Version-1 lines are ignored like damaged ones: the first build after
///   the upgrade reads each record it needs once and appends its version-2 line.
enum KeyLog {
    static func load(_ path: String) -> [Digest: Digest] { scan(path).outputs }

    /// The good lines (the last one of a key wins) and how many lines of the key-line shape
    /// were not good (damaged or version 1). Lines of no shape at all (a torn tail) are not counted.
    static func scan(_ path: String) -> (outputs: [Digest: Digest], rejected: Int) {
        guard let data = POSIX.readFile(path) else { return ([:], 0) }
        var map: [Digest: Digest] = [:]
        var rejected = 0
        map.reserveCapacity(data.count / 146)
        KeyedLines.forEach(in: data) { key, rest, line in
            guard rest.count == 81, rest[64] == 0x20,
                  let check = UInt64(hexUTF8: UnsafeBufferPointer(rebasing: rest[65..<81])),
                  check == Self.check(UnsafeBufferPointer(rebasing: line[0..<129])),
                  let out = Digest(hexUTF8: UnsafeBufferPointer(rebasing: rest[0..<64])) else { rejected += 1; return }
            map[key] = out
        }
        return (map, rejected)
    }

    static func line(key: Digest, output: Digest) -> String {
        let head = key.hex + " " + output.hex
        let check = String(Array(head.utf8).withUnsafeBufferPointer { Self.check($0) }, radix: 16)
        return head + " " + String(repeating: "0", count: 16 - check.count) + check + "\n"
    }

    static func append(key: Digest, output: Digest, to path: String) throws {
        try POSIX.append(Data(line(key: key, output: output).utf8), to: path)
    }

    /// FNV-1a, 64 bits, over `<key> SP <output>`: detects damage, not forgery (nothing in the
    /// store is protected against a user who can write it).
    static func check(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}

extension UInt64 {
    /// Exactly 16 lowercase hex digits, as keys.log writes them; nil otherwise.
    init?(hexUTF8 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var v: UInt64 = 0
        for b in bytes {
            switch b {
            case 0x30...0x39: v = v << 4 | UInt64(b - 0x30)
            case 0x61...0x66: v = v << 4 | UInt64(b - 0x61 + 10)
            default: return nil
            }
        }
        self = v
    }
}

/// The line shape keys.log and nodes.log share: `<key: 64 hex> SP <rest> LF`.
enum KeyedLines {
    /// Calls `body` with the key and the rest of each complete line of that shape; other lines,
    /// and a last line without its LF (a torn append), are skipped.
    /// Calls `body` with the key, the rest of the line and the whole line (without its LF).
    static func forEach(in data: Data, _ body: (Digest, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) -> Void) {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            // memchr finds line ends at memory speed; the loop runs once per line.
            while start < raw.count, let nl = memchr(base + start, 0x0A, raw.count - start) {
                let end = base.distance(to: UnsafeRawPointer(nl))
                if end - start > 65, bytes[start + 64] == 0x20,
                   let key = Digest(hexUTF8: UnsafeBufferPointer(rebasing: bytes[start..<(start + 64)])) {
                    body(key, UnsafeBufferPointer(rebasing: bytes[(start + 65)..<end]),
                         UnsafeBufferPointer(rebasing: bytes[start..<end]))
                }
                start = end + 1
            }
        }
    }
}
