import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// keys.log: the null-build index of action records, one line per record,
///
///     <key: 64 hex> SP <output tree: 64 hex> LF
///
/// appended with O_APPEND in one write(2) after the record file is in place, so every line
/// names a record that exists. Lines that are not exactly this shape are ignored: a process
/// killed mid-append leaves a torn last line, and the next line appended after it is then
/// lost too; the record files remain the truth, and `outputDigest` falls back to them.
///
/// Version History:
/// * 1: first version.
enum KeyLog {
    static func load(_ path: String) -> [Digest: Digest] {
        guard let data = POSIX.readFile(path) else { return [:] }
        var map: [Digest: Digest] = [:]
        map.reserveCapacity(data.count / 129)
        KeyedLines.forEach(in: data) { key, rest in
            if rest.count == 64, let out = Digest(hexUTF8: rest) { map[key] = out }
        }
        return map
    }

    static func append(key: Digest, output: Digest, to path: String) throws {
        try POSIX.append(Data("\(key.hex) \(output.hex)\n".utf8), to: path)
    }
}

/// The line shape keys.log and nodes.log share: `<key: 64 hex> SP <rest> LF`.
enum KeyedLines {
    /// Calls `body` with the key and the rest of each complete line of that shape; other lines,
    /// and a last line without its LF (a torn append), are skipped.
    static func forEach(in data: Data, _ body: (Digest, UnsafeBufferPointer<UInt8>) -> Void) {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard let base = raw.baseAddress else { return }
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            // memchr finds line ends at memory speed; the loop runs once per line.
            while start < raw.count, let nl = memchr(base + start, 0x0A, raw.count - start) {
                let end = base.distance(to: UnsafeRawPointer(nl))
                if end - start > 65, bytes[start + 64] == 0x20,
                   let key = Digest(hexUTF8: UnsafeBufferPointer(rebasing: bytes[start..<(start + 64)])) {
                    body(key, UnsafeBufferPointer(rebasing: bytes[(start + 65)..<end]))
                }
                start = end + 1
            }
        }
    }
}
