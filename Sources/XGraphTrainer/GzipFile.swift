import CZlib
import XGraphCore

/// Whole-file reads through zlib. `gzread` passes a file that is not gzip-compressed through
/// unchanged, so an IDX file that someone has already gunzipped reads the same way.
public enum GzipFile {
    public static func read(path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw XGraphError.io("cannot open \(path)")
        }
        defer { gzclose(file) }
        gzbuffer(file, 1 << 18)
        var out: [UInt8] = []
        let chunk = 1 << 20
        while true {
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: chunk))
            let n = out.withUnsafeMutableBytes { buf in
                gzread(file, buf.baseAddress! + start, UInt32(chunk))
            }
            if n < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown zlib error"
                throw XGraphError.io("cannot decompress \(path): \(message)")
            }
            out.removeLast(chunk - Int(n))
            if n == 0 { break }
        }
        return out
    }

    /// Writes `bytes` gzip-compressed (used for fixtures and for small derived files).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        guard let file = gzopen(path, "wb") else { throw XGraphError.io("cannot create \(path)") }
        let written = bytes.withUnsafeBytes { buf in
            buf.isEmpty ? 0 : gzwrite(file, buf.baseAddress, UInt32(buf.count))
        }
        let closed = gzclose(file)
        guard Int(written) == bytes.count, closed == Z_OK else {
            throw XGraphError.io("cannot write \(path)")
        }
    }
}
